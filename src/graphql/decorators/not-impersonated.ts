import { createMethodMiddlewareDecorator, type MiddlewareFn } from 'type-graphql';
import type { Context } from '../context';
import { impersonationRefused } from '../../modules/sessions/live-sessions';

/**
 * `@NotImpersonated()`: the contract's list of mutations an impersonation session may not call (beside every
 * @RecentAuth one, which refuses it too): FORBIDDEN `reason: IMPERSONATION` before the resolver runs when the bearer
 * is an impersonation token. Without a bearer it lets the resolver answer as it always does.
 */
export function NotImpersonated(): MethodDecorator {
  return createMethodMiddlewareDecorator<Context>(notImpersonated);
}

const notImpersonated: MiddlewareFn<Context> = async ({ context }, next) => {
  const viewer = await context.viewerOrNull();
  if (viewer?.impersonatorId) throw impersonationRefused();
  return next();
};

/** Whether a middleware in type-graphql's metadata is @NotImpersonated (src/modules/modules.test.ts). */
export function isNotImpersonated(middleware: unknown): boolean {
  return middleware === notImpersonated;
}
