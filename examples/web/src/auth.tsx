import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useApolloClient } from '@apollo/client/react';
import {
  LogoutAllDocument,
  LogoutDocument,
  RefreshSessionDocument,
  type AuthPayloadFieldsFragment,
  type ChallengeFieldsFragment,
  type UserFieldsFragment,
} from './generated/graphql';
import { setAccessToken } from './token';

export type AuthState =
  | { status: 'restoring' }
  | { status: 'signedIn'; user: UserFieldsFragment }
  | { status: 'signedOut' };

interface Auth {
  state: AuthState;
  /** After verifyOtp / verifyMagicLink / resetPassword: keep the access token in memory. */
  signIn(payload: AuthPayloadFieldsFragment): void;
  signOut(options?: { everywhere?: boolean }): Promise<void>;
  /** The code challenge being answered (signup, login, passwordless, reset by code). */
  challenge: ChallengeFieldsFragment | null;
  setChallenge(challenge: ChallengeFieldsFragment | null): void;
}

const AuthContext = createContext<Auth | null>(null);

/** Refresh a minute before the access token expires. */
const REFRESH_EARLY_MS = 60_000;

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useApolloClient();
  const [state, setState] = useState<AuthState>({ status: 'restoring' });
  const [challenge, setChallenge] = useState<ChallengeFieldsFragment | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const restoring = useRef<Promise<void> | null>(null);
  const refreshRef = useRef<() => Promise<void>>(async () => undefined);

  // Bumped by every sign-in and sign-out. A refresh answers for the state it started from: one sent before a
  // sign-in (the mount-time refresh of a page that then verifies a magic link, a reset link or a code) must
  // not sign that newer session out when it fails, nor sign back in after a sign-out when it succeeds.
  const generation = useRef(0);

  const signIn = useCallback((payload: AuthPayloadFieldsFragment) => {
    generation.current += 1;
    setAccessToken(payload.accessToken);
    setState({ status: 'signedIn', user: payload.user });
    setChallenge(null);
    if (timer.current) clearTimeout(timer.current);
    const inMs = new Date(payload.accessTokenExpiresAt).getTime() - Date.now() - REFRESH_EARLY_MS;
    timer.current = setTimeout(() => void refreshRef.current(), Math.max(inMs, 5_000));
  }, []);

  /** refreshSession with no argument: the browser sends the warden_refresh cookie. */
  const refresh = useCallback(async () => {
    const startedIn = generation.current;
    try {
      const { data } = await client.mutate({ mutation: RefreshSessionDocument });
      if (generation.current !== startedIn) return; // signed in or out meanwhile: that is newer
      if (data) signIn(data.refreshSession);
      else throw new Error('no data');
    } catch {
      if (generation.current !== startedIn) return;
      setAccessToken(null);
      setState({ status: 'signedOut' });
    }
  }, [client, signIn]);
  refreshRef.current = refresh;

  // After a reload the access token is gone (memory only): ask for a new one with the cookie, once.
  useEffect(() => {
    restoring.current ??= refresh();
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [refresh]);

  const signOut = useCallback(
    async (options: { everywhere?: boolean } = {}) => {
      generation.current += 1;
      try {
        await client.mutate({ mutation: options.everywhere ? LogoutAllDocument : LogoutDocument });
      } finally {
        if (timer.current) clearTimeout(timer.current);
        setAccessToken(null);
        setState({ status: 'signedOut' });
        await client.clearStore();
      }
    },
    [client],
  );

  const value = useMemo(() => ({ state, signIn, signOut, challenge, setChallenge }), [state, signIn, signOut, challenge]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) throw new Error('useAuth outside <AuthProvider>');
  return auth;
}
