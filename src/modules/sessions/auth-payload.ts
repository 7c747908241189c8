import type { Context } from '../../graphql/context';
import type { IssuedSession } from './sessions.service';
import type { AuthPayloadType } from './auth-payload.type';
import { UsersService } from '../users/users.service';

/** Every AuthPayload response also sets the warden_refresh cookie (contract, browser clients). */
export function toAuthPayload(ctx: Context, issued: IssuedSession): AuthPayloadType {
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
