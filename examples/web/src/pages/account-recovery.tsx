import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { RecoverAccountDocument, RequestAccountRecoveryDocument, UndoEmailChangeDocument, type ChallengeFieldsFragment } from '../generated/graphql';
import { navigate } from '../router';
import { ActionForm, Field } from '../ui';

/** /account/recover: a deleted account, within its grace period, asks for a code and is restored (signed in). */
export function RecoverAccountPage({ url }: { url: URL }) {
  const [requestAccountRecovery] = useMutation(RequestAccountRecoveryDocument);
  const [recoverAccount] = useMutation(RecoverAccountDocument);
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [challenge, setChallenge] = useState<ChallengeFieldsFragment | null>(null);
  const deleted = url.searchParams.get('deleted');

  if (challenge) {
    return (
      <ActionForm
        title="Enter your recovery code"
        submit="Recover account"
        action={async () => {
          const { data } = await recoverAccount({ variables: { input: { challengeId: challenge.challengeId, code: code.trim() } } });
          if (data) navigate('/'); // the link kept the AuthPayload's token
        }}
      >
        <p className="muted">If {challenge.destination} belongs to an account pending deletion, a code is on its way.</p>
        <Field label="Recovery code" name="code" autoComplete="one-time-code" value={code} onChange={setCode} />
      </ActionForm>
    );
  }
  return (
    <ActionForm
      title="Recover your account"
      submit="Send recovery code"
      action={async () => {
        const { data } = await requestAccountRecovery({ variables: { input: { email } } });
        if (data) setChallenge(data.requestAccountRecovery);
      }}
    >
      {deleted && (
        <p role="status" data-testid="account-deleted">
          Your account was deleted. It will be erased on {new Date(deleted).toLocaleString()} unless you recover it.
        </p>
      )}
      <Field label="Account email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} />
    </ActionForm>
  );
}

/** /account/undo-email?token=…: the link mailed to the previous address after an email change. */
export function UndoEmailChangePage({ url }: { url: URL }) {
  const [undoEmailChange] = useMutation(UndoEmailChangeDocument);
  const [done, setDone] = useState(false);
  const token = url.searchParams.get('token') ?? '';
  if (done) {
    return (
      <div className="card" role="status">
        Your previous email address is back and every session was signed out. Sign in again, and change your password if someone else did this.
      </div>
    );
  }
  return (
    <ActionForm
      title="Undo the email change"
      submit="Undo the change"
      action={async () => {
        await undoEmailChange({ variables: { token } });
        setDone(true);
      }}
    >
      <p className="muted">This restores your previous address and signs out every session.</p>
    </ActionForm>
  );
}
