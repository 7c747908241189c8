import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { SetContextLink } from '@apollo/client/link/context';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { getAccessToken } from './token';

/**
 * Apollo Client for Warden. The access token lives in memory only (token.ts) and goes out as a bearer
 * header; the refresh token is the HttpOnly warden_refresh cookie, which the browser sends with
 * `credentials: 'include'` and JavaScript never sees.
 */
export function createApolloClient(uri = '/graphql'): ApolloClient {
  const auth = new SetContextLink((prev) => {
    const token = getAccessToken();
    return token ? { headers: { ...prev.headers, authorization: `Bearer ${token}` } } : {};
  });
  const http = new HttpLink({ uri, credentials: 'include' });
  return new ApolloClient({ link: auth.concat(http), cache: new InMemoryCache() });
}

/** The contract code of a failed operation, or null. */
export function errorCode(error: unknown): string | null {
  return CombinedGraphQLErrors.is(error) ? String(error.errors[0]?.extensions?.code ?? '') || null : null;
}
