import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { RequestMagicLinkDocument, RequestOtpDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { navigate } from '../router';
import { ActionForm, Field } from '../ui';

/** Passwordless by email: a code to type here, or a sign-in link that opens /auth/magic-link. */
export function PasswordlessPage() {
  const { setChallenge } = useAuth();
  const [requestOtp] = useMutation(RequestOtpDocument);
  const [requestMagicLink] = useMutation(RequestMagicLinkDocument);
  const [email, setEmail] = useState('');
  const [linkEmail, setLinkEmail] = useState('');
  const [linkSent, setLinkSent] = useState(false);

  const sendCode = async () => {
    const { data } = await requestOtp({ variables: { input: { email } } });
    if (!data) return;
    setChallenge(data.requestOtp);
    navigate('/verify');
  };

  const sendLink = async () => {
    // The answer is ok: true whether or not the account exists (no enumeration).
    await requestMagicLink({ variables: { input: { email: linkEmail } } });
    setLinkSent(true);
  };

  return (
    <>
      <ActionForm title="Email me a code" submit="Send code" action={sendCode}>
        <Field label="Email" name="email" type="email" autoComplete="email" value={email} onChange={setEmail} />
      </ActionForm>
      <ActionForm
        title="Email me a sign-in link"
        submit="Send link"
        action={sendLink}
        footer={linkSent && <p role="status">If an account exists for that address, a sign-in link is on its way. Open it in this browser.</p>}
      >
        <Field label="Email" name="linkEmail" type="email" autoComplete="email" value={linkEmail} onChange={setLinkEmail} />
      </ActionForm>
    </>
  );
}
