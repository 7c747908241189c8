import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { ResendOtpDocument, VerifyOtpDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { describeError, errorCode } from '../apollo';
import { Link, navigate } from '../router';
import { ActionForm, Field } from '../ui';

/** Enter the SIGNUP or LOGIN code that Warden emailed or texted. */
export function VerifyPage() {
  const { challenge, setChallenge, signIn } = useAuth();
  const [verifyOtp] = useMutation(VerifyOtpDocument);
  const [resendOtp] = useMutation(ResendOtpDocument);
  const [code, setCode] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  if (!challenge) {
    return (
      <div className="card">
        <p>
          No code is pending. <Link to="/login">Log in</Link> or <Link to="/signup">sign up</Link> first.
        </p>
      </div>
    );
  }

  const verify = async () => {
    let data;
    try {
      ({ data } = await verifyOtp({ variables: { input: { challengeId: challenge.challengeId, code: code.trim() } } }));
    } catch (error) {
      // Two-step verification is on: the code was the first factor; the authenticator code finishes the sign-in.
      const mfaChallengeId = CombinedGraphQLErrors.is(error) ? error.errors[0]?.extensions?.challengeId : undefined;
      if (errorCode(error) !== 'MFA_REQUIRED' || typeof mfaChallengeId !== 'string') throw error;
      setChallenge({ ...challenge, challengeId: mfaChallengeId, channel: 'TOTP', purpose: 'MFA', destination: 'authenticator app' });
      navigate('/mfa');
      return;
    }
    if (!data) return;
    signIn(data.verifyOtp);
    navigate('/');
  };

  const resend = async () => {
    setNotice(null);
    try {
      const { data } = await resendOtp({ variables: { challengeId: challenge.challengeId } });
      if (data) setChallenge(data.resendOtp);
      setNotice('A new code is on its way.');
    } catch (error) {
      setNotice(describeError(error));
    }
  };

  return (
    <ActionForm
      title="Enter your code"
      submit="Verify"
      action={verify}
      footer={
        <p className="muted">
          Sent by {challenge.channel.toLowerCase()} to {challenge.destination}; it expires at {new Date(challenge.expiresAt).toLocaleTimeString()}.{' '}
          <button type="button" onClick={() => void resend()}>
            Send a new code
          </button>
          {notice && <span role="status"> {notice}</span>}
        </p>
      }
    >
      <Field label="Code" name="code" autoComplete="one-time-code" value={code} onChange={setCode} />
    </ActionForm>
  );
}
