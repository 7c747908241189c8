import type { AuthChecker } from 'type-graphql';
import type { Context } from './context';

/** @Authorized(): a valid bearer token (or API key) is required. A bad token is UNAUTHENTICATED, not FORBIDDEN. */
export const authChecker: AuthChecker<Context> = async ({ context }) => {
  // An organization's API key has no viewer: what it may run is the api-key plugin's and the resolver's to decide.
  if (await context.apiKey()) return true;
  await context.requireViewer();
  return true;
};
