import { useRef, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  ConfirmTotpEnrollmentDocument,
  RegenerateRecoveryCodesDocument,
  RemoveMfaFactorDocument,
  RequestReauthenticationDocument,
  SecurityViewerDocument,
  StartTotpEnrollmentDocument,
  VerifyOtpDocument,
  type ChallengeFieldsFragment,
  type StartTotpEnrollmentMutation,
} from '../generated/graphql';
import { useWardenEvent } from '../auth';
import { describeError } from '../messages';
import { ActionForm, Field, formatDate } from '../ui';
import { PasskeysSection } from './passkeys';

type Enrollment = StartTotpEnrollmentMutation['startTotpEnrollment'];

/**
 * Security: the authenticator apps of the viewer, enrollment with a QR code, recovery codes shown once, and the
 * re-authentication step Warden asks for before sensitive changes (REAUTHENTICATION_REQUIRED).
 */
export function SecurityPage() {
  const { data, loading, error, refetch } = useQuery(SecurityViewerDocument, { fetchPolicy: 'network-only' });
  const [startEnrollment] = useMutation(StartTotpEnrollmentDocument);
  const [confirmEnrollment] = useMutation(ConfirmTotpEnrollmentDocument);
  const [removeFactor] = useMutation(RemoveMfaFactorDocument);
  const [regenerate] = useMutation(RegenerateRecoveryCodesDocument);
  const [requestReauthentication] = useMutation(RequestReauthenticationDocument);
  const [verifyOtp] = useMutation(VerifyOtpDocument);

  const [enrollment, setEnrollment] = useState<Enrollment | null>(null);
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [reauth, setReauth] = useState<{ challenge: ChallengeFieldsFragment; retry: () => Promise<void> } | null>(null);
  const [reauthCode, setReauthCode] = useState('');
  const [notice, setNotice] = useState<string | null>(null);

  // The sensitive action running now, and whether it was answered REAUTHENTICATION_REQUIRED (@warden/client's event).
  const running = useRef<{ fn: () => Promise<void>; reauthRequired: boolean } | null>(null);
  useWardenEvent('REAUTHENTICATION_REQUIRED', () => {
    if (running.current) running.current.reauthRequired = true;
  });

  /** Runs a sensitive action; on REAUTHENTICATION_REQUIRED asks Warden for a challenge and retries after it. */
  const sensitive = async (fn: () => Promise<void>) => {
    setNotice(null);
    const run = { fn, reauthRequired: false };
    running.current = run;
    try {
      await fn();
    } catch (e) {
      if (!run.reauthRequired) return setNotice(describeError(e));
      try {
        const { data: r } = await requestReauthentication();
        if (r) setReauth({ challenge: r.requestReauthentication, retry: fn });
      } catch (e2) {
        setNotice(describeError(e2));
      }
    } finally {
      if (running.current === run) running.current = null;
    }
  };

  if (loading) return <div className="card">Loading…</div>;
  if (error)
    return (
      <div className="card error" role="alert">
        {describeError(error)}
      </div>
    );
  const viewer = data?.viewer;
  if (!viewer) return <div className="card">Sign in first.</div>;

  if (reauth) {
    const totp = reauth.challenge.channel === 'TOTP';
    return (
      <ActionForm
        title="Confirm it is you"
        submit="Confirm"
        action={async () => {
          const { data: v } = await verifyOtp({ variables: { input: { challengeId: reauth.challenge.challengeId, code: reauthCode.trim() } } });
          if (!v) return; // a freshly authenticated token: the link kept it
          const retry = reauth.retry;
          setReauth(null);
          setReauthCode('');
          await sensitive(retry);
        }}
      >
        <p className="muted">{totp ? 'Enter the code from your authenticator app.' : `We sent a code to ${reauth.challenge.destination}.`}</p>
        <Field label="Confirmation code" name="reauth-code" autoComplete="one-time-code" value={reauthCode} onChange={setReauthCode} />
      </ActionForm>
    );
  }

  if (codes) {
    return (
      <div className="card" data-testid="recovery-codes">
        <h2>Your recovery codes</h2>
        <p>Keep them somewhere safe. Each works once, in place of an authenticator code. They are shown only now.</p>
        <ul className="recovery-codes">
          {codes.map((c) => (
            <li key={c} data-testid="recovery-code">
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <button type="button" onClick={() => void (setCodes(null), refetch())}>
          I have saved them
        </button>
      </div>
    );
  }

  if (enrollment) {
    return (
      <ActionForm
        title="Add an authenticator app"
        submit="Turn on"
        action={async () => {
          const { data: c } = await confirmEnrollment({ variables: { input: { factorId: enrollment.factorId, code: code.trim(), name: name || null } } });
          if (!c) return;
          setEnrollment(null);
          setCode('');
          // Only the first authenticator app makes recovery codes; a later one keeps them (codes: []).
          if (c.confirmTotpEnrollment.codes.length > 0) setCodes(c.confirmTotpEnrollment.codes);
          else (setNotice('Authenticator app added. Your recovery codes are unchanged.'), void refetch());
        }}
      >
        <p>Scan this QR code with your authenticator app, then enter the 6-digit code it shows.</p>
        <div className="qr" data-testid="totp-qr" dangerouslySetInnerHTML={{ __html: enrollment.qrCodeSvg }} style={{ width: 200 }} />
        <p className="muted">
          Or type this key: <code data-testid="totp-secret">{enrollment.secret}</code>
        </p>
        <Field label="Authenticator code" name="totp-code" autoComplete="one-time-code" value={code} onChange={setCode} />
        <Field label="Name (optional)" name="factor-name" value={name} onChange={setName} required={false} />
      </ActionForm>
    );
  }

  return (
    <>
      <div className="card" data-testid="security">
        <h2>Two-step verification</h2>
        {viewer.mfaFactors.length === 0 ? (
          <p data-testid="mfa-off">Off: signing in asks for no authenticator code.</p>
        ) : (
          <>
            <p data-testid="mfa-on">
              <span className="badge">On</span> Recovery codes left: {viewer.recoveryCodesRemaining}
            </p>
            <ul className="list">
              {viewer.mfaFactors.map((f) => (
                <li key={f.id} data-testid="mfa-factor">
                  <div>
                    <strong>{f.name ?? 'Authenticator app'}</strong>
                    <div className="muted">Added {formatDate(f.createdAt)}</div>
                  </div>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => void sensitive(async () => (await removeFactor({ variables: { id: f.id } }), void (await refetch())))}
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void sensitive(async () => {
                  const { data: r } = await regenerate();
                  if (r) setCodes(r.regenerateRecoveryCodes.codes);
                })
              }
            >
              New recovery codes
            </button>
          </>
        )}
        <button
          type="button"
          onClick={() =>
            void sensitive(async () => {
              const { data: s } = await startEnrollment();
              if (s) setEnrollment(s.startTotpEnrollment);
            })
          }
        >
          Add authenticator app
        </button>
        {notice && (
          <p className="error" role="alert">
            {notice}
          </p>
        )}
      </div>
      <PasskeysSection />
    </>
  );
}
