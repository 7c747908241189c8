import { useEffect, useRef, useState } from 'react';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import { browserSupportsWebAuthnAutofill, startAuthentication, startRegistration, WebAuthnAbortService } from '@simplewebauthn/browser';
import {
  FinishPasskeyAuthenticationDocument,
  FinishPasskeyRegistrationDocument,
  RemovePasskeyDocument,
  StartPasskeyAuthenticationDocument,
  StartPasskeyRegistrationDocument,
  ViewerPasskeysDocument,
} from '../generated/graphql';
import { describeError } from '../messages';
import { navigate } from '../router';
import { formatDate } from '../ui';

/**
 * Passkey sign-in: a "Sign in with a passkey" button (usernameless: the browser lists the passkeys it holds), and
 * browser autofill on the email field (conditional UI), started when the field is focused.
 */
export function PasskeySignInPage() {
  const client = useApolloClient();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const autofillStarted = useRef(false);

  useEffect(() => () => WebAuthnAbortService.cancelCeremony(), []);

  /** startPasskeyAuthentication without email → the browser ceremony → finishPasskeyAuthentication → signed in. */
  const ceremony = async (useBrowserAutofill: boolean) => {
    const { data } = await client.mutate({ mutation: StartPasskeyAuthenticationDocument, variables: { input: {} } });
    if (!data) return;
    const { challengeId, options } = data.startPasskeyAuthentication;
    const response = await startAuthentication({ optionsJSON: options, useBrowserAutofill });
    const finished = await client.mutate({ mutation: FinishPasskeyAuthenticationDocument, variables: { input: { challengeId, response } } });
    if (finished.data) navigate('/'); // the link kept the AuthPayload's token
  };

  const withButton = async () => {
    setBusy(true);
    setError(null);
    try {
      await ceremony(false); // cancels a pending autofill request first (one ceremony at a time)
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };

  const startAutofill = async () => {
    if (autofillStarted.current || !(await browserSupportsWebAuthnAutofill())) return;
    autofillStarted.current = true;
    try {
      await ceremony(true);
    } catch (e) {
      // Cancelled by the button or by leaving the page: not an error to show.
      if (!(e instanceof Error && e.name === 'AbortError')) setError(describeError(e));
    } finally {
      autofillStarted.current = false;
    }
  };

  return (
    <div className="card">
      <h2>Sign in with a passkey</h2>
      <label>
        Email
        <input name="email" type="text" autoComplete="username webauthn" onFocus={() => void startAutofill()} />
      </label>
      <p className="muted">Pick your passkey from the suggestions under the field, or:</p>
      <button type="button" disabled={busy} onClick={() => void withButton()}>
        Sign in with a passkey
      </button>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** The viewer's passkeys: add one (recent authentication), see which are synced, remove one. */
export function PasskeysSection() {
  const { data, refetch } = useQuery(ViewerPasskeysDocument, { fetchPolicy: 'network-only' });
  const [startRegistrationMutation] = useMutation(StartPasskeyRegistrationDocument);
  const [finishRegistration] = useMutation(FinishPasskeyRegistrationDocument);
  const [removePasskey] = useMutation(RemovePasskeyDocument);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);

  const run = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      await refetch();
    } catch (e) {
      setError(describeError(e));
    }
  };

  const add = () =>
    run(async () => {
      const { data: started } = await startRegistrationMutation();
      if (!started) return;
      const { challengeId, options } = started.startPasskeyRegistration;
      const response = await startRegistration({ optionsJSON: options });
      await finishRegistration({ variables: { input: { challengeId, response, name: name.trim() || null } } });
      setName('');
    });

  const passkeys = data?.viewer?.passkeys ?? [];
  return (
    <section className="card" data-testid="passkeys">
      <h2>Passkeys</h2>
      <p className="muted">Sign in with your fingerprint, face or screen lock instead of a password and a code.</p>
      {passkeys.length === 0 && <p className="muted">No passkey yet.</p>}
      <ul className="list">
        {passkeys.map((p) => (
          <li key={p.id} data-testid="passkey-row">
            <div>
              <strong>{p.name ?? 'Passkey'}</strong> <span className="badge">{p.backedUp ? 'synced' : 'this device'}</span>
              <div className="muted">
                Added {formatDate(p.createdAt)} · last used {p.lastUsedAt ? formatDate(p.lastUsedAt) : 'never'}
              </div>
            </div>
            <button type="button" className="secondary" onClick={() => void run(async () => void (await removePasskey({ variables: { id: p.id } })))}>
              Remove passkey
            </button>
          </li>
        ))}
      </ul>
      <div className="inline-form">
        <label>
          Passkey name
          <input name="passkeyName" type="text" placeholder="e.g. Work laptop" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <button type="button" onClick={() => void add()}>
          Add a passkey
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
