import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery } from '@apollo/client/react';
import {
  CompleteOAuthDocument,
  LinkOAuthDocument,
  OAuthProvidersDocument,
  StartOAuthDocument,
  UnlinkIdentityDocument,
  ViewerIdentitiesDocument,
} from '../generated/graphql';
import { useAuth } from '../auth';
import { describeError, messageFor } from '../messages';
import { Link, navigate } from '../router';

/** Where Warden's callback sends the browser back, with ?code=… or ?error=…&reason=…; its origin is in REDIRECT_ALLOWLIST. */
export const OAUTH_RETURN_PATH = '/auth/oauth';
const returnUrl = () => `${window.location.origin}${OAUTH_RETURN_PATH}`;

/**
 * PKCE (required by Warden): the verifier stays in this tab's sessionStorage, only its S256 hash goes to
 * startOAuth / linkOAuth, and completeOAuth sends the verifier. A code that reaches this page without a
 * verifier of ours (a link someone else started) is never sent: nothing is signed in or linked.
 */
const PKCE_KEY = 'warden.oauth.pkce';
interface PendingFlow {
  verifier: string;
  link: boolean;
}

const base64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

/** A fresh verifier (32 random bytes) kept for the return page; answers its S256 code challenge. */
async function newCodeChallenge(link: boolean): Promise<string> {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, link } satisfies PendingFlow));
  return base64url(new Uint8Array(digest));
}

/** The pending flow of this tab (removed by the return page once it uses it: single use like the code). */
function pendingFlow(): PendingFlow | null {
  const raw = sessionStorage.getItem(PKCE_KEY);
  try {
    const flow = raw ? (JSON.parse(raw) as PendingFlow) : null;
    return flow && typeof flow.verifier === 'string' ? flow : null;
  } catch {
    return null;
  }
}

/** "Continue with Google", "Continue with GitHub"…: one button per provider the gateway has configured. */
export function OAuthButtons() {
  const { data } = useQuery(OAuthProvidersDocument);
  const [startOAuth] = useMutation(StartOAuthDocument);
  const [error, setError] = useState<string | null>(null);
  const providers = data?.oauthProviders ?? [];
  if (providers.length === 0) return null;

  const start = async (provider: string) => {
    setError(null);
    try {
      const codeChallenge = await newCodeChallenge(false);
      const { data: started } = await startOAuth({ variables: { input: { provider, redirectTo: returnUrl(), codeChallenge } } });
      // A full navigation: the gateway binds the flow to this browser, then sends it to the provider.
      if (started) window.location.assign(started.startOAuth.authorizationUrl);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <div className="oauth-buttons">
      {providers.map((p) => (
        <button key={p.id} type="button" onClick={() => void start(p.id)}>
          Continue with {p.name}
        </button>
      ))}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The page the provider sign-in returns to: redeems the single-use code with completeOAuth and the verifier,
 * then the viewer. A link (linkOAuth) completes on the signed-in session: it waits for the session to be
 * restored from the warden_refresh cookie, so that completeOAuth carries its bearer.
 */
export function OAuthReturnPage({ url }: { url: URL }) {
  const { state } = useAuth();
  const [completeOAuth] = useMutation(CompleteOAuthDocument);
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  const [flow] = useState(pendingFlow);

  useEffect(() => {
    if (started.current) return; // the code is single use: never send it twice
    if (flow?.link && state.status === 'restoring') return; // a link needs the session's bearer: wait for it
    started.current = true;
    sessionStorage.removeItem(PKCE_KEY);
    const code = url.searchParams.get('code');
    const failure = url.searchParams.get('error');
    const reason = url.searchParams.get('reason');
    window.history.replaceState(null, '', url.pathname); // keep the code out of the history
    if (!code) {
      setError(messageFor(failure ?? 'OAUTH_FAILED', reason ? { reason } : {}));
      return;
    }
    if (!flow) {
      setError('This sign-in was not started in this browser tab, so it was not completed. Start again.');
      return;
    }
    completeOAuth({ variables: { input: { code, codeVerifier: flow.verifier } } })
      .then(({ data }) => {
        if (!data) throw new Error('no data');
        navigate('/', { replace: true });
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [url, flow, state.status, completeOAuth]);

  return (
    <div className="card">
      <h2>Signing you in…</h2>
      {error && (
        <p className="error" role="alert" data-testid="oauth-error">
          {error} <Link to="/login">Back to sign-in</Link>
        </p>
      )}
    </div>
  );
}

/** On the viewer page: linked provider accounts with Unlink, and a Link button per provider not linked yet. */
export function IdentitiesSection() {
  const { data, refetch } = useQuery(ViewerIdentitiesDocument, { fetchPolicy: 'network-only' });
  const providers = useQuery(OAuthProvidersDocument).data?.oauthProviders ?? [];
  const [linkOAuth] = useMutation(LinkOAuthDocument);
  const [unlinkIdentity] = useMutation(UnlinkIdentityDocument);
  const [error, setError] = useState<string | null>(null);
  const viewer = data?.viewer;
  if (!viewer) return null;

  const run = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(describeError(e));
    }
  };
  const link = (provider: string) =>
    run(async () => {
      const codeChallenge = await newCodeChallenge(true);
      const { data: started } = await linkOAuth({ variables: { input: { provider, redirectTo: returnUrl(), codeChallenge } } });
      if (started) window.location.assign(started.linkOAuth.authorizationUrl);
    });
  const unlink = (id: string) =>
    run(async () => {
      await unlinkIdentity({ variables: { id } });
      await refetch();
    });
  const name = (id: string) => providers.find((p) => p.id === id)?.name ?? id;

  return (
    <section data-testid="identities">
      <h3>Sign-in methods</h3>
      <p className="muted">{viewer.hasPassword ? 'Password set.' : 'No password: you sign in with a provider or an emailed code.'}</p>
      <ul>
        {viewer.identities.map((i) => (
          <li key={i.id} data-testid="identity-row">
            {name(i.provider)} · {i.email ?? 'no email'}{' '}
            <button type="button" onClick={() => void unlink(i.id)}>
              Unlink
            </button>
          </li>
        ))}
      </ul>
      {providers
        .filter((p) => !viewer.identities.some((i) => i.provider === p.id))
        .map((p) => (
          <button key={p.id} type="button" onClick={() => void link(p.id)}>
            Link {p.name}
          </button>
        ))}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
