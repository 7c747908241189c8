import { useState } from 'react';
import { useCountdown } from '../ui';
import { useMutation } from '@apollo/client/react';
import { ResendOtpDocument, VerifyOtpDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { describeError } from '../messages';
import { Link, navigate, takeReturn } from '../router';
import { ActionForm, Field } from '../ui';

/** Enter the SIGNUP or LOGIN code that Warden emailed or texted. */
export function VerifyPage() {
  const { challenge, setChallenge } = useAuth();
  const [verifyOtp] = useMutation(VerifyOtpDocument);
  const [resendOtp] = useMutation(ResendOtpDocument);
  const [code, setCode] = useState('');
  const [notice, setNotice] = useState<string | null>(null);
  // The gateway says when a resend is allowed (resendAvailableAt): until then the button waits, so nobody sees RATE_LIMITED.
  const resendIn = useCountdown(challenge?.resendAvailableAt);

  if (!challenge) {
    return (
      <div className="card">
        <p>
          No code is pending. <Link to="/login">Log in</Link> or <Link to="/signup">sign up</Link> first.
        </p>
      </div>
    );
  }

  // The link keeps the answer's token (signed in). With two-step verification on, the code was the first factor:
  // the answer is MFA_REQUIRED, whose event takes the app to the authenticator step (/mfa, auth.tsx).
  const verify = async () => {
    const { data } = await verifyOtp({ variables: { input: { challengeId: challenge.challengeId, code: code.trim() } } });
    if (data) navigate(takeReturn() ?? '/'); // back to the invitation that sent the person here, if one did
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
        <div className="form-footer">
          <p className="muted">
            We sent a code by {challenge.channel === 'SMS' ? 'text message' : 'email'} to {challenge.destination}. It expires at{' '}
            {new Date(challenge.expiresAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.
          </p>
          <button type="button" className="secondary" disabled={resendIn > 0} onClick={() => void resend()} data-testid="resend">
            {resendIn > 0 ? `Send a new code in ${resendIn} s` : 'Send a new code'}
          </button>
          {notice && (
            <p role="status" className="notice">
              {notice}
            </p>
          )}
        </div>
      }
    >
      <Field label="Code" name="code" autoComplete="one-time-code" value={code} onChange={setCode} />
    </ActionForm>
  );
}
