import type { Context } from './context';
import type { Viewer } from '../modules/sessions/sessions.service';
import { WardenError } from '../errors/warden-error';

/**
 * Fields "only resolvable on the viewer" (contract): the signed-in session when the request's bearer (or the
 * sign-in this request just made) belongs to `userId`, else null. A nullable field answers null on null; a
 * non-null field calls requireSelf and answers FORBIDDEN.
 */
export async function selfOrNull(ctx: Context, userId: string): Promise<Viewer | null> {
  const self = ctx.signedIn?.userId === userId ? ctx.signedIn : await ctx.viewer();
  return self && self.userId === userId ? self : null;
}

export async function requireSelf(ctx: Context, userId: string): Promise<Viewer> {
  const self = await selfOrNull(ctx, userId);
  if (!self) throw new WardenError('FORBIDDEN', { message: 'Only the viewer can see this field.' });
  return self;
}
