import { useEffect, useRef, useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { VerifyMagicLinkDocument } from '../generated/graphql';
import { describeError } from '../messages';
import { Link, navigate } from '../router';

/** Landing page of the emailed link: /auth/magic-link?token=…[&redirectTo=…] (Warden's MAGIC_LINK_PATH). */
export function MagicLinkPage({ url }: { url: URL }) {
  const [verifyMagicLink] = useMutation(VerifyMagicLinkDocument);
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return; // the token is single use: never send it twice
    started.current = true;
    const token = url.searchParams.get('token');
    const redirectTo = url.searchParams.get('redirectTo');
    // Keep the token out of the history and of any Referer.
    window.history.replaceState(null, '', url.pathname);
    if (!token) {
      setError('This link has no token.');
      return;
    }
    verifyMagicLink({ variables: { token } })
      .then(({ data }) => {
        if (!data) throw new Error('no data');
        // Only follow redirectTo within this app: Warden checked it against REDIRECT_ALLOWLIST, we stay stricter.
        const target = redirectTo && new URL(redirectTo, window.location.origin).origin === window.location.origin ? new URL(redirectTo).pathname : '/';
        navigate(target, { replace: true });
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [url, verifyMagicLink]);

  return (
    <div className="card">
      <h2>Signing you in…</h2>
      {error && (
        <p className="error" role="alert">
          {error} <Link to="/passwordless">Ask for a new link</Link>
        </p>
      )}
    </div>
  );
}
