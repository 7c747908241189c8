import { useMutation, useQuery } from '@apollo/client/react';
import { RevokeSessionDocument, ViewerDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { describeError } from '../messages';
import { deviceName } from '../devices';
import { formatDate } from '../ui';
import { Link } from '../router';
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
        <p className="muted">This browser holds no session. Log in or sign up from the menu above.</p>
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
      <h3>Where you are signed in</h3>
      <ul className="list sessions">
        {viewer.sessions.map((s) => (
          <li key={s.id} data-testid="session-row">
            <div>
              <strong data-testid="session-device" title={s.userAgent ?? undefined}>
                {deviceName(s.userAgent)}
              </strong>{' '}
              {s.current && <span className="badge">this browser</span>}
              <div className="muted">
                Signed in {formatDate(s.createdAt)} · last active {formatDate(s.lastUsedAt)}
                {s.ip && ` · ${s.ip}`}
              </div>
            </div>
            <button type="button" className="secondary" onClick={() => void revoke(s.id, s.current)}>
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <p className="muted">
        <Link to="/security">Manage passkeys and two-step verification</Link>
      </p>
      <IdentitiesSection />
      <div className="actions">
        <button type="button" onClick={() => void signOut()}>
          Log out
        </button>
        <button type="button" className="secondary" onClick={() => void signOut({ everywhere: true })}>
          Log out everywhere
        </button>
      </div>
    </div>
  );
}
