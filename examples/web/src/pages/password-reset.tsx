import { useEffect, useRef, useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { RequestPasswordResetDocument, ResetPasswordDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { navigate } from '../router';
import { ActionForm, Field } from '../ui';
import { Notice } from '../messages';

/** Forgot password: Warden emails a code and a link. Type the code here, or open the link (ResetLinkPage). */
export function ForgotPasswordPage() {
  const { challenge, setChallenge } = useAuth();
  const [requestReset] = useMutation(RequestPasswordResetDocument);
  const [resetPassword] = useMutation(ResetPasswordDocument);
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const pending = challenge?.purpose === 'PASSWORD_RESET' ? challenge : null;

  const request = async () => {
    const { data } = await requestReset({ variables: { input: { email } } });
    if (data) setChallenge(data.requestPasswordReset);
  };

  const reset = async () => {
    if (!pending) return;
    const { data } = await resetPassword({ variables: { input: { challengeId: pending.challengeId, code: code.trim(), newPassword } } });
    if (data) navigate('/'); // signed in (the link kept the token); every other session of the account was ended
  };

  if (!pending) {
    return (
      <ActionForm title="Reset your password" submit="Email me a reset code" action={request}>
        <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} />
      </ActionForm>
    );
  }
  return (
    <ActionForm
      title="Choose a new password"
      submit="Reset password"
      action={reset}
      footer={<p className="muted">We emailed a code and a link to {pending.destination}.</p>}
    >
      <Field label="Code from the email" name="code" autoComplete="one-time-code" value={code} onChange={setCode} />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" value={newPassword} onChange={setNewPassword} />
    </ActionForm>
  );
}

/** Landing page of the reset link: /auth/reset-password?token=… (Warden's PASSWORD_RESET_PATH). */
export function ResetLinkPage({ url }: { url: URL }) {
  const [resetPassword] = useMutation(ResetPasswordDocument);
  const [newPassword, setNewPassword] = useState('');
  // Read once, then drop the token from the address bar and history.
  const token = useRef(url.searchParams.get('token'));
  useEffect(() => {
    window.history.replaceState(null, '', url.pathname);
  }, [url]);

  const reset = async () => {
    if (!token.current) throw new Notice('This link has no token. Ask for a new one.');
    const { data } = await resetPassword({ variables: { input: { token: token.current, newPassword } } });
    if (data) navigate('/', { replace: true });
  };

  return (
    <ActionForm title="Choose a new password" submit="Reset password" action={reset}>
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" value={newPassword} onChange={setNewPassword} />
    </ActionForm>
  );
}
