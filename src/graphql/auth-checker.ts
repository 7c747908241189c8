import type { AuthChecker } from 'type-graphql';
import type { Context } from './context';

/** @Authorized(): a valid bearer token is required. A bad token is UNAUTHENTICATED, not FORBIDDEN. */
export const authChecker: AuthChecker<Context> = async ({ context }) => {
  await context.requireViewer();
  return true;
};
