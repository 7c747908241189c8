import type { Context } from './context';
import type { Viewer } from '../modules/sessions/sessions.service';
import { WardenError } from '../errors/warden-error';

/**
 * THE rule for fields "only resolvable on the viewer" (contract), on `viewer`, on AuthPayload.user and on a
 * User entity the federation router resolves through `_entities` (docs/federation.md): the signed-in session
 * when the request's bearer (or the sign-in this request just made) belongs to `userId`, else null.
 * - a nullable field (email, phone) answers null: `return (await selfOrNull(ctx, user.id)) ? value : null`
 *   (or, on a hot path, `selfOrNullNow` first: no promise when the bearer is already known);
 * - a non-null field (sessions, identities, hasPassword, mfaFactors, …) calls requireSelf and answers
 *   FORBIDDEN on that field: an empty list or `false` would be a plausible lie about someone else's account.
 * A bad, expired or revoked bearer token answers UNAUTHENTICATED.
 */
export async function selfOrNull(ctx: Context, userId: string): Promise<Viewer | null> {
  const now = selfOrNullNow(ctx, userId);
  if (now !== undefined) return now;
  const self = await ctx.viewer();
  return self && self.userId === userId ? self : null;
}

/**
 * The same answer without waiting when it is known without I/O (a sign-in in this request, or a bearer token
 * verified before whose revocation state is current: Context.viewerNow); undefined: await selfOrNull.
 * Throws UNAUTHENTICATED as selfOrNull rejects with it.
 */
export function selfOrNullNow(ctx: Context, userId: string): Viewer | null | undefined {
  if (ctx.signedIn?.userId === userId) return ctx.signedIn;
  const known = ctx.viewerNow();
  if (known === undefined) return undefined;
  return known && known.userId === userId ? known : null;
}

export async function requireSelf(ctx: Context, userId: string): Promise<Viewer> {
  const self = await selfOrNull(ctx, userId);
  if (!self) throw new WardenError('FORBIDDEN', { message: 'Only the viewer can see this field.' });
  return self;
}
