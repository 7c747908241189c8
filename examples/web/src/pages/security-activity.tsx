import { useQuery } from '@apollo/client/react';
import { SecurityActivityDocument } from '../generated/graphql';
import { describeError } from '../messages';
import { activityName } from '../activity';
import { deviceName } from '../devices';
import { formatDate } from '../ui';

/** /settings/security: the account's audit events, newest first, 20 at a time. */
export function SecurityActivityPage() {
  const { data, loading, error, fetchMore } = useQuery(SecurityActivityDocument, { fetchPolicy: 'network-only' });
  if (loading) return <div className="card">Loading…</div>;
  if (error)
    return (
      <div className="card error" role="alert">
        {describeError(error)}
      </div>
    );
  const page = data?.viewer?.securityEvents;
  if (!page) return <div className="card">Sign in to see your security activity.</div>;
  const more = () =>
    fetchMore({
      variables: { after: page.endCursor },
      updateQuery: (prev, { fetchMoreResult }) => {
        if (!prev.viewer || !fetchMoreResult.viewer) return prev;
        const next = fetchMoreResult.viewer.securityEvents;
        return { viewer: { ...prev.viewer, securityEvents: { ...next, nodes: [...prev.viewer.securityEvents.nodes, ...next.nodes] } } };
      },
    });
  return (
    <div className="card" data-testid="security-activity">
      <h2>Security activity</h2>
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>What</th>
            <th>From</th>
          </tr>
        </thead>
        <tbody>
          {page.nodes.map((e) => (
            <tr key={e.id} data-testid="security-event">
              <td className="nowrap">{formatDate(e.createdAt)}</td>
              <td data-testid="security-event-name" title={e.type}>
                {activityName(e.type)}
              </td>
              <td title={e.userAgent ?? undefined}>
                {e.userAgent ? deviceName(e.userAgent) : ''}
                {e.ip && <div className="muted">{e.ip}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.hasNextPage && (
        <button type="button" onClick={() => void more()}>
          Load more
        </button>
      )}
    </div>
  );
}
