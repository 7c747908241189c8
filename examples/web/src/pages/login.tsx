import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { LoginDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { Link, navigate } from '../router';
import { ActionForm, Field } from '../ui';
import { OAuthButtons } from './oauth';

/** Email + password; Warden then emails a LOGIN code (or, with MFA on, asks for the authenticator code). */
export function LoginPage() {
  const { setChallenge } = useAuth();
  const [login] = useMutation(LoginDocument);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const action = async () => {
    const { data } = await login({ variables: { input: { email, password } } });
    if (!data) return;
    setChallenge(data.login);
    // With an authenticator app enrolled, Warden asks for its code instead of mailing one.
    navigate(data.login.channel === 'TOTP' ? '/mfa' : '/verify');
  };

  return (
    <ActionForm
      title="Log in"
      submit="Log in"
      action={action}
      footer={
        <>
          <OAuthButtons />
          <p className="muted">
            <Link to="/passwordless">Sign in without a password</Link> · <Link to="/forgot-password">Forgot your password?</Link>
          </p>
        </>
      }
    >
      <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} />
      <Field label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={setPassword} />
    </ActionForm>
  );
}
