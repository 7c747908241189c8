import { useState } from 'react';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { AcceptInvitationDocument, DeclineInvitationDocument, InvitationPreviewDocument, MyOrganizationsDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { describeError } from '../messages';
import { Link, navigate, rememberReturn } from '../router';
import { formatDate } from '../ui';

export const INVITATION_PATH = '/invitations/accept';

/**
 * /invitations/accept?token=…: the link of an invitation mail. invitationPreview (public, does not consume the
 * token) says who invites to what; a signed-in person accepts (acceptInvitation answers tokens for the joined
 * organization, which the link keeps) or declines. Someone not signed in is sent to sign up (the invited address
 * pre-filled) or log in, and comes back here once signed in (rememberReturn, verify.tsx).
 */
export function InvitationPage({ url }: { url: URL }) {
  const token = url.searchParams.get('token') ?? '';
  const { state } = useAuth();
  const client = useApolloClient();
  const preview = useQuery(InvitationPreviewDocument, { variables: { token }, skip: !token, fetchPolicy: 'network-only' });
  const [accept] = useMutation(AcceptInvitationDocument);
  const [decline] = useMutation(DeclineInvitationDocument);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [declined, setDeclined] = useState(false);

  if (!token || preview.error) {
    return (
      <div className="card" data-testid="invitation-invalid">
        <h2>Invitation</h2>
        <p className="error" role="alert">
          {preview.error ? describeError(preview.error) : 'This link has no invitation in it.'}
        </p>
        <p className="muted">Ask whoever invited you to send a new invitation.</p>
      </div>
    );
  }
  const invitation = preview.data?.invitationPreview;
  if (!invitation || state.status === 'restoring') return <div className="card">Loading…</div>;
  if (declined) {
    return (
      <div className="card" data-testid="invitation-declined">
        <h2>Invitation declined</h2>
        <p>You did not join {invitation.organizationName}.</p>
      </div>
    );
  }

  const here = `${INVITATION_PATH}?token=${encodeURIComponent(token)}`;
  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="card" data-testid="invitation">
      <h2>Join {invitation.organizationName}</h2>
      <p>
        {invitation.invitedByName ?? 'Someone'} invited <strong>{invitation.email}</strong> to join <strong>{invitation.organizationName}</strong> as{' '}
        {invitation.role}.
      </p>
      <p className="muted">This invitation expires {formatDate(invitation.expiresAt)}.</p>
      {state.status === 'signedIn' ? (
        <>
          {state.user.email !== invitation.email && (
            <p className="muted">
              You are signed in as {state.user.email ?? state.user.phone}. The invitation is for {invitation.email}.
            </p>
          )}
          <div className="actions">
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  await accept({ variables: { input: { token } } }); // the link keeps the new tokens (the organization is active)
                  // The switcher reads again; this page's preview is not asked again (the token is spent now).
                  await client.refetchQueries({ include: [MyOrganizationsDocument] });
                  navigate('/organization');
                })
              }
            >
              Accept invitation
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  await decline({ variables: { input: { token } } });
                  setDeclined(true);
                })
              }
            >
              Decline
            </button>
          </div>
        </>
      ) : (
        <>
          <p>Sign up with {invitation.email} (or log in if you have an account), then come back here to accept.</p>
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                rememberReturn(here);
                navigate(`/signup?email=${encodeURIComponent(invitation.email)}`);
              }}
            >
              Sign up to accept
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                rememberReturn(here);
                navigate('/login');
              }}
            >
              Log in to accept
            </button>
          </div>
          <p className="muted">
            Not you? You can ignore this invitation. <Link to="/">Home</Link>
          </p>
        </>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
