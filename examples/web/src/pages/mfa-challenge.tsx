import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { VerifyOtpDocument, VerifyRecoveryCodeDocument } from '../generated/graphql';
import { useAuth } from '../auth';
import { Link, navigate } from '../router';
import { ActionForm, Field } from '../ui';

/** The second sign-in step: the authenticator code (verifyOtp) or a recovery code (verifyRecoveryCode). */
export function MfaChallengePage() {
  const { challenge, mfaChallengeId } = useAuth();
  // A login of an account with an authenticator app answers a TOTP challenge; any other first factor answers
  // MFA_REQUIRED, whose event (auth.tsx) gives the challenge id.
  const challengeId = mfaChallengeId ?? (challenge?.channel === 'TOTP' ? challenge.challengeId : null);
  const [verifyOtp] = useMutation(VerifyOtpDocument);
  const [verifyRecoveryCode] = useMutation(VerifyRecoveryCodeDocument);
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');

  if (!challengeId) {
    return (
      <div className="card">
        <p>
          Nothing to confirm. <Link to="/login">Log in</Link> first.
        </p>
      </div>
    );
  }

  // Either answer is an AuthPayload, whose token the link keeps (signed in).
  const action = async () => {
    if (useRecovery) await verifyRecoveryCode({ variables: { input: { challengeId, recoveryCode: code.trim() } } });
    else await verifyOtp({ variables: { input: { challengeId, code: code.trim() } } });
    navigate('/');
  };

  return (
    <ActionForm
      title={useRecovery ? 'Enter a recovery code' : 'Enter your authenticator code'}
      submit="Verify"
      action={action}
      footer={
        <p className="muted">
          <button type="button" onClick={() => (setUseRecovery(!useRecovery), setCode(''))}>
            {useRecovery ? 'Use my authenticator app' : 'Use a recovery code'}
          </button>
        </p>
      }
    >
      {useRecovery ? (
        <Field label="Recovery code" name="recovery-code" autoComplete="off" value={code} onChange={setCode} />
      ) : (
        <Field label="Authenticator code" name="totp-code" autoComplete="one-time-code" value={code} onChange={setCode} />
      )}
    </ActionForm>
  );
}
