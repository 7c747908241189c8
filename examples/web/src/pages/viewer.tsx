import { useMutation, useQuery } from '@apollo/client/react';
import { RevokeSessionDocument, ViewerDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { describeError } from '../apollo';
import { PasskeysSection } from './passkeys';
import { IdentitiesSection } from './oauth';

/** The signed-in user and their live sessions, each with a Revoke button; or an empty viewer. */
export function ViewerCard() {
  const { signOut } = useAuth();
  const { data, loading, error, refetch } = useQuery(ViewerDocument, { fetchPolicy: 'network-only' });
  const [revokeSession] = useMutation(RevokeSessionDocument);

  if (loading) return <div className="card">Loading…</div>;
  if (error)
    return (
      <div className="card error" role="alert">
        {describeError(error)}
      </div>
    );
  const viewer = data?.viewer;
  if (!viewer) {
    return (
      <div className="card" data-testid="viewer-empty">
        <h2>Not signed in</h2>
        <p className="muted">viewer is null: this browser holds no session.</p>
      </div>
    );
  }

  const revoke = async (id: string, current: boolean) => {
    await revokeSession({ variables: { id } });
    if (current) await signOut();
    else await refetch();
  };

  return (
    <div className="card" data-testid="viewer">
      <h2>Signed in as {viewer.name ?? viewer.email ?? viewer.phone}</h2>
      <p>
        <span data-testid="viewer-email">{viewer.email}</span> {viewer.emailVerified ? '(verified)' : '(not verified)'}
        {viewer.organization && (
          <>
            {' '}
            · <span data-testid="viewer-organization">{viewer.organization.name}</span>
            {viewer.organization.teamSize && ` (${viewer.organization.teamSize})`}
          </>
        )}
      </p>
      <h3>Sessions</h3>
      <table>
        <thead>
          <tr>
            <th>Started</th>
            <th>Last used</th>
            <th>Device</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {viewer.sessions.map((s) => (
            <tr key={s.id} data-testid="session-row">
              <td>{new Date(s.createdAt).toLocaleString()}</td>
              <td>{new Date(s.lastUsedAt).toLocaleString()}</td>
              <td>
                {s.userAgent?.slice(0, 40) ?? 'unknown'} {s.ip && `· ${s.ip}`} {s.current && <strong>(this browser)</strong>}
              </td>
              <td>
                <button type="button" onClick={() => void revoke(s.id, s.current)}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <PasskeysSection />
      <IdentitiesSection />
      <button type="button" onClick={() => void signOut()}>
        Log out
      </button>
      <button type="button" onClick={() => void signOut({ everywhere: true })}>
        Log out everywhere
      </button>
    </div>
  );
}
