import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useApolloClient } from '@apollo/client/react';
import type { WardenAuth, WardenEvent } from '@warden/client';
import type { ChallengeFieldsFragment, UserFieldsFragment } from './generated/graphql';
import { navigate } from './router';

export type AuthState = { status: 'restoring' } | { status: 'signedIn'; user: UserFieldsFragment } | { status: 'signedOut' };

interface Auth {
  state: AuthState;
  /** logout (or logoutAll) with the token and the cookie, then an empty Apollo cache. */
  signOut(options?: { everywhere?: boolean }): Promise<void>;
  /** The code challenge being answered (signup, login, passwordless, reset by code). */
  challenge: ChallengeFieldsFragment | null;
  setChallenge(challenge: ChallengeFieldsFragment | null): void;
  /** The second step of a sign-in that answered MFA_REQUIRED (its event's challengeId), for /mfa. */
  mfaChallengeId: string | null;
  /** @warden/client's session, for pages that listen to its events (useWardenEvent). */
  warden: WardenAuth;
}

const AuthContext = createContext<Auth | null>(null);

/**
 * The session, held by @warden/client (apollo.ts): this provider only follows its events. Sign-ins need no
 * call here: the link keeps the token of every AuthPayload a mutation answers (verifyOtp, verifyMagicLink,
 * resetPassword, completeOAuth…) and says SIGNED_IN. On page load one refreshSession through the cookie restores
 * the session; a refresh answer that a sign-in or sign-out overtook is dropped by the client.
 */
export function AuthProvider({ auth, children }: { auth: WardenAuth; children: ReactNode }) {
  const client = useApolloClient();
  const [state, setState] = useState<AuthState>({ status: 'restoring' });
  const [challenge, setCodeChallenge] = useState<ChallengeFieldsFragment | null>(null);
  const [mfaChallengeId, setMfaChallengeId] = useState<string | null>(null);
  // A new code challenge (a login, a resend…) replaces the second step of an earlier sign-in.
  const setChallenge = useCallback((next: ChallengeFieldsFragment | null) => {
    setCodeChallenge(next);
    setMfaChallengeId(null);
  }, []);
  const restoring = useRef(false);
  // While signOut waits for logout's answer (which clears the cookie), the page stays as it is.
  const signingOut = useRef(false);

  useEffect(
    () =>
      auth.subscribe((event: WardenEvent) => {
        switch (event.type) {
          case 'SIGNED_IN':
            setState({ status: 'signedIn', user: event.user as UserFieldsFragment });
            setChallenge(null);
            break;
          case 'SIGNED_OUT':
            if (!signingOut.current) setState({ status: 'signedOut' });
            break;
          case 'MFA_REQUIRED':
            // The first factor passed (a code, a magic link, a passkey, OAuth): the authenticator step finishes it.
            setMfaChallengeId(event.challengeId);
            navigate('/mfa');
            break;
          case 'REAUTHENTICATION_REQUIRED':
            break; // the page that ran the change asks for the confirmation step (security.tsx, useWardenEvent)
          case 'CAPTCHA_REQUIRED':
            break; // the captcha link (captcha.tsx) shows the widget and sends the mutation again
        }
      }),
    [auth, setChallenge],
  );

  // After a reload the access token is gone (memory only): ask for a new one with the cookie, once.
  useEffect(() => {
    if (restoring.current) return;
    restoring.current = true;
    void auth.refresh().then((token) => {
      if (!token) setState((s) => (s.status === 'restoring' ? { status: 'signedOut' } : s));
    });
  }, [auth]);

  const signOut = useCallback(
    async (options: { everywhere?: boolean } = {}) => {
      signingOut.current = true;
      try {
        await auth.signOut(options);
      } finally {
        signingOut.current = false;
        setState({ status: 'signedOut' });
        await client.clearStore();
      }
    },
    [auth, client],
  );

  const value = useMemo(
    () => ({ state, signOut, challenge, setChallenge, mfaChallengeId, warden: auth }),
    [state, signOut, challenge, setChallenge, mfaChallengeId, auth],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside <AuthProvider>');
  return auth;
}

/** Calls listener for each @warden/client event of that type while the component is mounted. */
export function useWardenEvent<T extends WardenEvent['type']>(type: T, listener: (event: Extract<WardenEvent, { type: T }>) => void): void {
  const { warden } = useAuth();
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(
    () =>
      warden.subscribe((event) => {
        if (event.type === type) latest.current(event as Extract<WardenEvent, { type: T }>);
      }),
    [warden, type],
  );
}
