import { useState } from 'react';
import { useApolloClient, useLazyQuery, useMutation, useQuery } from '@apollo/client/react';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import {
  AdminRevokeSessionsDocument,
  AdminUserDocument,
  AdminUsersDocument,
  BanUserDocument,
  ImpersonatorDocument,
  RequestReauthenticationDocument,
  StartImpersonationDocument,
  StopImpersonationDocument,
  UnbanUserDocument,
  VerifyOtpDocument,
  type ChallengeFieldsFragment,
} from '../generated/graphql';
import { useAuth } from '../auth';
import { describeError } from '../messages';
import { Link, navigate } from '../router';
import { ActionForm, Field, formatDate } from '../ui';
import { deviceName } from '../devices';

/** The error's contract code and extensions, when an operation answered one. */
function contractError(error: unknown): { code: string; extensions: Record<string, unknown> } | null {
  if (!CombinedGraphQLErrors.is(error)) return null;
  const extensions = (error.errors[0]?.extensions ?? {}) as Record<string, unknown>;
  return { code: String(extensions.code ?? ''), extensions };
}

/**
 * /admin (docs/administration.md): find users, see one (status, memberships, live sessions), ban or unban them, sign
 * them out everywhere, and impersonate them. Warden decides who is an admin (ADMIN_EMAILS, an aal2 session): this
 * page only shows its answers. REAUTHENTICATION_REQUIRED (an aal1 session, or an old authentication before a change)
 * gets the confirmation step with the authenticator app, then the same action again.
 */
export function AdminPage() {
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [stepUp, setStepUp] = useState<{ challenge: ChallengeFieldsFragment | null; retry: () => Promise<void> } | null>(null);
  const [stepUpCode, setStepUpCode] = useState('');
  const [search, users] = useLazyQuery(AdminUsersDocument, { fetchPolicy: 'network-only' });
  const [requestReauthentication] = useMutation(RequestReauthenticationDocument);
  const [verifyOtp] = useMutation(VerifyOtpDocument);

  /** Runs an admin action: a readable sentence for a failure, the confirmation step for REAUTHENTICATION_REQUIRED. */
  const run = async (fn: () => Promise<void>) => {
    setProblem(null);
    try {
      await fn();
    } catch (e) {
      const err = contractError(e);
      if (err?.code !== 'REAUTHENTICATION_REQUIRED') return setProblem(describeError(e));
      setProblem(describeError(e));
      try {
        const { data } = await requestReauthentication();
        setStepUp({ challenge: data?.requestReauthentication ?? null, retry: fn });
      } catch (e2) {
        setProblem(describeError(e2));
      }
    }
  };

  const find = () =>
    run(async () => {
      setSelected(null);
      const trimmed = query.trim();
      const { error } = await search({ variables: { filter: trimmed ? { query: trimmed } : null, first: 20 } });
      if (error) throw error;
    });

  // Shown above the page (which stays mounted, so the action retried after it updates the same user card).
  const totp = stepUp?.challenge?.channel === 'TOTP';
  const stepUpForm = stepUp && (
    <div data-testid="admin-step-up">
      {problem && (
        <p className="card error" role="alert">
          {problem}
        </p>
      )}
      {stepUp.challenge && totp ? (
        <ActionForm
          title="Confirm it is you"
          submit="Confirm"
          action={async () => {
            await verifyOtp({ variables: { input: { challengeId: stepUp.challenge!.challengeId, code: stepUpCode.trim() } } });
            const retry = stepUp.retry;
            setStepUp(null);
            setStepUpCode('');
            await run(retry); // the link kept the freshly authenticated (aal2) token
          }}
        >
          <p className="muted">Enter the code from your authenticator app: administration needs a recent two-step sign-in.</p>
          <Field label="Authenticator code" name="admin-step-up-code" autoComplete="one-time-code" value={stepUpCode} onChange={setStepUpCode} />
        </ActionForm>
      ) : (
        <div className="card">
          <p>
            Administration needs two-step verification. <Link to="/security">Add an authenticator app</Link>, then sign in again.
          </p>
        </div>
      )}
    </div>
  );

  const nodes = users.data?.adminUsers.nodes ?? [];
  return (
    <>
      {stepUpForm}
      <div className="card" data-testid="admin">
        <h2>Administration</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void find();
          }}
        >
          <label>
            Find users
            <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Start of an email, a name or a phone" />
          </label>
          <button type="submit">Search</button>
        </form>
        {problem && !stepUp && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        {users.called && !users.loading && !users.error && nodes.length === 0 && <p className="muted">No user matches.</p>}
        <ul className="list">
          {nodes.map((u) => (
            <li key={u.id} data-testid="admin-user-row">
              <strong>{u.email ?? u.phone ?? u.id}</strong> {u.name && <span className="muted">{u.name}</span>}
              <div className="muted">
                {u.status.toLowerCase().replace('_', ' ')} · joined {formatDate(u.createdAt)}
                {u.isAdmin ? ' · admin' : ''}
              </div>
              <button type="button" onClick={() => setSelected(u.id)}>
                Open {u.email ?? u.phone ?? u.id}
              </button>
            </li>
          ))}
        </ul>
      </div>
      {selected && <AdminUserCard key={selected} id={selected} run={run} />}
    </>
  );
}

function AdminUserCard({ id, run }: { id: string; run(fn: () => Promise<void>): Promise<void> }) {
  const { warden } = useAuth();
  const client = useApolloClient();
  const { data, loading, error, refetch } = useQuery(AdminUserDocument, { variables: { id }, fetchPolicy: 'network-only' });
  const [banUser] = useMutation(BanUserDocument);
  const [unbanUser] = useMutation(UnbanUserDocument);
  const [revokeSessions] = useMutation(AdminRevokeSessionsDocument);
  const [startImpersonation] = useMutation(StartImpersonationDocument);
  const [reason, setReason] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  if (loading) return <div className="card">Loading…</div>;
  if (error)
    return (
      <div className="card error" role="alert">
        {describeError(error)}
      </div>
    );
  const user = data?.adminUser;
  if (!user) return <div className="card">That user no longer exists.</div>;
  const label = user.email ?? user.phone ?? user.id;
  const needReason = (fn: (why: string) => Promise<void>) => () => {
    const why = reason.trim();
    if (!why) {
      setNotice('Write a reason first: it is kept in the audit trail.');
      return Promise.resolve();
    }
    setNotice(null);
    return run(async () => {
      await fn(why);
      setReason('');
    });
  };

  const ban = needReason(async (why) => {
    await banUser({ variables: { input: { userId: id, reason: why, until: null } } });
    await refetch();
  });
  const impersonate = needReason(async (why) => {
    const { data: started } = await startImpersonation({ variables: { input: { userId: id, reason: why } } });
    if (!started) return;
    // The app now runs as the target with the impersonation token (in memory only: no refresh token, no cookie;
    // the admin's warden_refresh cookie is untouched, so Stop, or the token's end, brings the admin back).
    const s = started.startImpersonation;
    warden.setSession({ accessToken: s.accessToken, accessTokenExpiresAt: s.accessTokenExpiresAt, user: s.user });
    await client.clearStore();
    navigate('/');
  });
  const unban = () =>
    run(async () => {
      await unbanUser({ variables: { userId: id } });
      await refetch();
    });
  const signOutEverywhere = () =>
    run(async () => {
      const { data: r } = await revokeSessions({ variables: { userId: id } });
      setNotice(`Signed out of ${r?.adminRevokeSessions ?? 0} session(s).`);
      await refetch();
    });

  return (
    <div className="card" data-testid="admin-user">
      <h2>{label}</h2>
      <p>
        Status: <strong data-testid="admin-user-status">{user.status}</strong>
        {user.status === 'BANNED' && (
          <span className="muted">
            {' '}
            — {user.banReason}
            {user.bannedUntil ? ` (until ${formatDate(user.bannedUntil)})` : ' (no end)'}
          </span>
        )}
      </p>
      <p className="muted">
        {user.name ? `${user.name} · ` : ''}
        {user.emailVerified ? 'email verified' : 'email not verified'} · {user.mfaEnabled ? 'two-step on' : 'two-step off'} ·{' '}
        {user.lastSignInAt ? `last sign-in ${formatDate(user.lastSignInAt)}` : 'never signed in'}
        {user.isAdmin ? ' · admin' : ''}
        {user.deletionScheduledAt ? ` · erased on ${formatDate(user.deletionScheduledAt)}` : ''}
      </p>
      <h3>Memberships</h3>
      {user.memberships.length === 0 && <p className="muted">No organization.</p>}
      <ul className="list">
        {user.memberships.map((m) => (
          <li key={m.organizationId} data-testid="admin-membership">
            <strong>{m.organizationName}</strong> <span className="muted">{m.role}</span>
          </li>
        ))}
      </ul>
      <h3>Sessions</h3>
      {user.sessions.length === 0 && <p className="muted">No live session.</p>}
      <ul className="list">
        {user.sessions.map((s) => (
          <li key={s.id} data-testid="admin-session">
            {deviceName(s.userAgent)} {s.impersonated && <strong>(impersonation)</strong>}
            <div className="muted">
              {s.ip ?? 'unknown address'} · {s.authenticatorAssuranceLevel} · last used {formatDate(s.lastUsedAt)}
            </div>
          </li>
        ))}
      </ul>
      <h3>Actions</h3>
      <label>
        Reason
        <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} placeholder="Kept in the audit trail" />
      </label>
      {user.status === 'BANNED' ? (
        <button type="button" onClick={() => void unban()}>
          Unban
        </button>
      ) : (
        <button type="button" className="danger" onClick={() => void ban()}>
          Ban
        </button>
      )}
      <button type="button" onClick={() => void signOutEverywhere()}>
        Sign out everywhere
      </button>
      {!user.isAdmin && user.status === 'ACTIVE' && (
        <button type="button" onClick={() => void impersonate()}>
          Impersonate
        </button>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
    </div>
  );
}

/**
 * The banner shown on every page while the app runs with an impersonation token (viewer.impersonator): Stop ends
 * that session (stopImpersonation), then the admin's own session comes back through the warden_refresh cookie.
 */
export function ImpersonationBanner() {
  const { warden } = useAuth();
  const client = useApolloClient();
  const { data } = useQuery(ImpersonatorDocument, { fetchPolicy: 'network-only' });
  const [stop] = useMutation(StopImpersonationDocument);
  const [problem, setProblem] = useState<string | null>(null);
  const viewer = data?.viewer;
  if (!viewer?.impersonator) return null;

  const onStop = async () => {
    setProblem(null);
    try {
      await stop();
    } catch (e) {
      // A contract answer means the session had already ended (expired, revoked): the admin comes back all the
      // same. Anything else (the network) leaves it running: say so and stay.
      if (!contractError(e)) return setProblem(describeError(e));
    }
    const token = await warden.refresh().catch(() => null);
    await client.clearStore();
    navigate(token ? '/admin' : '/login');
  };

  return (
    <div className="impersonation-banner" role="status" data-testid="impersonation-banner">
      You are impersonating <strong>{viewer.email ?? viewer.id}</strong> (as {viewer.impersonator.email ?? viewer.impersonator.id}) —{' '}
      <button type="button" onClick={() => void onStop()}>
        Stop
      </button>
      {problem && <span className="error"> {problem}</span>}
    </div>
  );
}
