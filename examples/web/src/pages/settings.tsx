import { useEffect, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  ChangePasswordDocument,
  DeleteAccountDocument,
  RequestEmailChangeDocument,
  UpdateProfileDocument,
  VerifyOtpDocument,
  ViewerDocument,
  type ChallengeFieldsFragment,
} from '../generated/graphql';
import { useAuth } from '../auth';
import { Link, navigate } from '../router';
import { ActionForm, Field } from '../ui';

/**
 * Account settings: name, email change (code to the new address, undo link to the old one), password, deletion.
 * requestEmailChange and deleteAccount need a recent sign-in (REAUTHENTICATION_REQUIRED otherwise).
 */
export function SettingsPage() {
  const { state, signOut } = useAuth();
  const { data, refetch } = useQuery(ViewerDocument, { fetchPolicy: 'network-only', skip: state.status !== 'signedIn' });
  const [updateProfile] = useMutation(UpdateProfileDocument);
  const [requestEmailChange] = useMutation(RequestEmailChangeDocument);
  const [verifyOtp] = useMutation(VerifyOtpDocument);
  const [changePassword] = useMutation(ChangePasswordDocument);
  const [deleteAccount] = useMutation(DeleteAccountDocument);
  const [name, setName] = useState('');
  const [newEmail, setNewEmail] = useState('');
  const [emailChallenge, setEmailChallenge] = useState<ChallengeFieldsFragment | null>(null);
  const [emailCode, setEmailCode] = useState('');
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [status, setStatus] = useState<string | null>(null);

  // The forms start from what the account holds: the current name and email, ready to edit.
  const loaded = data?.viewer;
  useEffect(() => {
    if (!loaded) return;
    setName((typed) => typed || loaded.name || '');
    setNewEmail((typed) => typed || loaded.email || '');
  }, [loaded]);

  if (state.status !== 'signedIn') {
    return (
      <div className="card">
        <p>
          <Link to="/login">Log in</Link> to change your settings.
        </p>
      </div>
    );
  }
  const viewer = data?.viewer;

  return (
    <>
      <div className="card" data-testid="settings">
        <h2>Settings</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd data-testid="settings-name">{viewer?.name ?? '(no name)'}</dd>
          <dt>Email</dt>
          <dd data-testid="settings-email">{viewer?.email}</dd>
        </dl>
        <p>
          <Link to="/settings/security">Recent sign-ins and account changes</Link>
        </p>
        {status && (
          <p role="status" className="notice">
            {status}
          </p>
        )}
      </div>
      <ActionForm
        title="Profile"
        submit="Save name"
        action={async () => {
          await updateProfile({ variables: { input: { name } } });
          await refetch();
          setStatus('Name saved.');
        }}
      >
        <Field label="Name" name="name" autoComplete="name" value={name} onChange={setName} />
      </ActionForm>
      {emailChallenge ? (
        <ActionForm
          title="Confirm your new email"
          submit="Confirm email"
          action={async () => {
            const { data: verified } = await verifyOtp({ variables: { input: { challengeId: emailChallenge.challengeId, code: emailCode.trim() } } });
            if (!verified) return; // a new access token with the new email: the link kept it
            setEmailChallenge(null);
            setEmailCode('');
            await refetch();
            setStatus('Email changed. Your previous address got a link to undo it.');
          }}
        >
          <p className="muted">We sent a code to {emailChallenge.destination}.</p>
          <Field label="Email code" name="email-code" autoComplete="one-time-code" value={emailCode} onChange={setEmailCode} />
        </ActionForm>
      ) : (
        <ActionForm
          title="Email"
          submit="Change email"
          action={async () => {
            const { data: started } = await requestEmailChange({ variables: { input: { newEmail } } });
            if (started) setEmailChallenge(started.requestEmailChange);
          }}
        >
          <p className="muted">We send a code to the new address; the current one gets a link to undo the change.</p>
          <Field label="New email" name="new-email" type="email" autoComplete="email" value={newEmail} onChange={setNewEmail} />
        </ActionForm>
      )}
      <ActionForm
        title="Password"
        submit="Change password"
        action={async () => {
          await changePassword({ variables: { input: { currentPassword, newPassword } } }); // the link keeps the new token
          setCurrentPassword('');
          setNewPassword('');
          setStatus('Password changed. Every other session was signed out.');
        }}
      >
        <Field
          label="Current password"
          name="current-password"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={setCurrentPassword}
        />
        <Field label="New password" name="new-password" type="password" autoComplete="new-password" value={newPassword} onChange={setNewPassword} />
      </ActionForm>
      <ActionForm
        title="Delete account"
        submit="Delete my account"
        tone="danger"
        action={async () => {
          if (!window.confirm('Delete your account? You can recover it during the grace period.')) return;
          const { data: deleted } = await deleteAccount();
          await signOut().catch(() => undefined);
          navigate(`/account/recover?deleted=${encodeURIComponent(deleted?.deleteAccount.scheduledAt ?? '')}`);
        }}
      >
        <p className="muted">Every session ends now. The account is erased after the grace period unless you recover it.</p>
      </ActionForm>
    </>
  );
}
