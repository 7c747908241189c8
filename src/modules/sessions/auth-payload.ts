import type { Context } from '../../graphql/context';
import type { IssuedSession } from './sessions.service';
import type { AuthPayloadType } from './auth-payload.type';
import { UsersService } from '../users/users.service';

/**
 * The one place an AuthPayload is answered, after the transaction committed. Every AuthPayload response
 * also sets the warden_refresh cookie (contract, browser clients). A sign-in the SignInGate refused throws
 * its error here (MFA_REQUIRED). A new sign-in that received a live cookie of another session ends that
 * session first (ASVS 7.2.4): the browser is about to lose it.
 */
export async function toAuthPayload(ctx: Context, issued: IssuedSession): Promise<AuthPayloadType> {
  if ('refused' in issued) throw issued.refused;
  if (issued.signIn) await ctx.endCookieSession(issued.sessionId);
  ctx.refreshCookie.set(issued.refreshToken, issued.refreshTokenExpiresAt);
  ctx.signedIn = { userId: issued.user.id, sessionId: issued.sessionId };
  ctx.loaders.user.prime(issued.user.id, issued.user);
  return {
    accessToken: issued.accessToken,
    accessTokenExpiresAt: issued.accessTokenExpiresAt,
    refreshToken: issued.refreshToken,
    refreshTokenExpiresAt: issued.refreshTokenExpiresAt,
    user: UsersService.toType(issued.user),
  };
}
