import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { LoginDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { Link, navigate } from '../router';
import { ActionForm, Field } from '../ui';
import { OAuthButtons } from './oauth';

/** Email + password; Warden then emails a LOGIN code. */
export function LoginPage() {
  const { setChallenge } = useAuth();
  const [login] = useMutation(LoginDocument);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');

  const action = async () => {
    const { data } = await login({ variables: { input: { email, password } } });
    if (!data) return;
    setChallenge(data.login);
    navigate('/verify');
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
