import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { SignupDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { navigate } from '../router';
import { ActionForm, Field } from '../ui';

/** Sign up with an organization; Warden emails a SIGNUP code. */
export function SignupPage() {
  const { setChallenge } = useAuth();
  const [signup] = useMutation(SignupDocument);
  // ?email= pre-fills the address (the invitation page sends the invited one).
  const [form, setForm] = useState({
    email: new URLSearchParams(window.location.search).get('email') ?? '',
    password: '',
    name: '',
    organization: '',
    industry: '',
    teamSize: '',
  });
  const set = (key: keyof typeof form) => (value: string) => setForm((f) => ({ ...f, [key]: value }));

  const action = async () => {
    const organization = form.organization ? { name: form.organization, industry: form.industry || null, teamSize: form.teamSize || null } : null;
    const { data } = await signup({ variables: { input: { email: form.email, password: form.password, name: form.name || null, organization } } });
    if (!data) return;
    setChallenge(data.signup);
    navigate('/verify');
  };

  return (
    <ActionForm title="Create your account" submit="Sign up" action={action}>
      <Field label="Email" name="email" type="email" autoComplete="email" value={form.email} onChange={set('email')} />
      <Field label="Password" name="password" type="password" autoComplete="new-password" value={form.password} onChange={set('password')} />
      <Field label="Your name" name="name" autoComplete="name" required={false} value={form.name} onChange={set('name')} />
      <Field label="Organization" name="organization" autoComplete="organization" required={false} value={form.organization} onChange={set('organization')} />
      <Field label="Industry" name="industry" required={false} value={form.industry} onChange={set('industry')} />
      <Field label="Team size" name="teamSize" required={false} value={form.teamSize} onChange={set('teamSize')} />
    </ActionForm>
  );
}
