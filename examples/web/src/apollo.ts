import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { print, type FragmentDefinitionNode } from 'graphql';
import { createWardenAuth, type WardenAuth } from '@warden/client';
import { createWardenLink } from '@warden/client/apollo';
import { UserFieldsFragmentDoc } from './generated/graphql';
import { CaptchaSolver, createCaptchaLink } from './captcha';

/** What refreshSession selects: the token and the same user fields as every other sign-in of the app. */
const refreshSelection = `accessToken accessTokenExpiresAt user ${print((UserFieldsFragmentDoc.definitions[0] as FragmentDefinitionNode).selectionSet)}`;

/**
 * Warden's session (@warden/client) and Apollo Client over it. The access token lives in memory only (in
 * `auth`) and goes out as a bearer header; the refresh token is the HttpOnly warden_refresh cookie, which the
 * browser sends with `credentials: 'include'` and JavaScript never sees. The link keeps the token of every
 * AuthPayload a mutation answers, refreshes once and sends an operation again on UNAUTHENTICATED or
 * CLAIMS_CHANGED, and turns MFA_REQUIRED, REAUTHENTICATION_REQUIRED and CAPTCHA_REQUIRED into events (auth.tsx).
 * In front of it the captcha link (captcha.tsx) answers CAPTCHA_REQUIRED: the widget, then the same mutation
 * again with captchaToken.
 */
export function createWardenClient(uri = '/graphql'): { auth: WardenAuth; client: ApolloClient; captcha: CaptchaSolver } {
  const auth = createWardenAuth({ url: uri, refreshSelection });
  const captcha = new CaptchaSolver();
  const http = new HttpLink({ uri, credentials: 'include' });
  const client = new ApolloClient({ link: ApolloLink.from([createCaptchaLink(captcha), createWardenLink(auth), http]), cache: new InMemoryCache() });
  return { auth, client, captcha };
}
