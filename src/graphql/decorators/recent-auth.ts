import { createMethodMiddlewareDecorator, type MiddlewareFn } from 'type-graphql';
import type { Context } from '../context';

/**
 * `@RecentAuth()`: the contract's "recent authentication". Before the resolver runs, the bearer's session
 * must have authenticated (signed in, or re-authenticated with requestReauthentication + verifyOtp) within
 * REAUTH_MAX_AGE_SECONDS; otherwise REAUTHENTICATION_REQUIRED with extensions.maxAgeSeconds, and
 * UNAUTHENTICATED without a valid bearer. Reads the session row (not the token's auth_time), so a
 * re-authentication counts at once. Put it above @Mutation, beside @Authorized().
 */
export function RecentAuth(): MethodDecorator {
  return createMethodMiddlewareDecorator<Context>(recentAuth);
}

const recentAuth: MiddlewareFn<Context> = async ({ context }, next) => {
  await context.requireRecentAuthentication();
  return next();
};

/** Whether a middleware in type-graphql's metadata is @RecentAuth (src/modules/modules.test.ts). */
export function isRecentAuth(middleware: unknown): boolean {
  return middleware === recentAuth;
}
