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
import { describeError } from '../apollo';
import { Link, navigate } from '../router';

/** Where Warden's callback sends the browser back, with ?code=… or ?error=…&reason=…; its origin is in REDIRECT_ALLOWLIST. */
export const OAUTH_RETURN_PATH = '/auth/oauth';
const returnUrl = () => `${window.location.origin}${OAUTH_RETURN_PATH}`;

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
      const { data: started } = await startOAuth({ variables: { input: { provider, redirectTo: returnUrl() } } });
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

/** The page the provider sign-in returns to: redeems the single-use code with completeOAuth, then the viewer. */
export function OAuthReturnPage({ url }: { url: URL }) {
  const { signIn } = useAuth();
  const [completeOAuth] = useMutation(CompleteOAuthDocument);
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // the code is single use: never send it twice
    started.current = true;
    const code = url.searchParams.get('code');
    const failure = url.searchParams.get('error');
    const reason = url.searchParams.get('reason');
    window.history.replaceState(null, '', url.pathname); // keep the code out of the history
    if (!code) {
      setError(`${failure ?? 'OAUTH_FAILED'}${reason ? ` (${reason})` : ''}`);
      return;
    }
    completeOAuth({ variables: { input: { code } } })
      .then(({ data }) => {
        if (!data) throw new Error('no data');
        signIn(data.completeOAuth);
        navigate('/', { replace: true });
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [url, completeOAuth, signIn]);

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
      const { data: started } = await linkOAuth({ variables: { input: { provider, redirectTo: returnUrl() } } });
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
