import { Arg, Authorized, Ctx, ID, Int, Mutation, Resolver } from 'type-graphql';
import { NotImpersonated } from '../../graphql/decorators/not-impersonated';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import type { Context } from '../../graphql/context';
import { AuthPayloadType } from './auth-payload.type';
import { toAuthPayload } from './auth-payload';
import type { SessionsService } from './sessions.service';

@Resolver()
export class SessionsResolver {
  constructor(private readonly sessions: SessionsService) {}

  @RateLimit('sessions.refresh')
  @Mutation(() => AuthPayloadType, {
    description:
      'Rotates the refresh token. A rotated token presented again within the reuse interval (racing tabs) gets the next token of the same chain, which replaces the successor already issued; later, it revokes the whole session.',
  })
  async refreshSession(@Arg('refreshToken', () => String, { nullable: true }) refreshToken: string | null, @Ctx() ctx: Context) {
    const issued = await this.sessions.refresh(refreshToken ?? ctx.refreshCookie.read(), ctx.meta);
    return toAuthPayload(ctx, issued);
  }

  @RateLimit('sessions.logout')
  @Mutation(() => Boolean, {
    description:
      "Ends the bearer's session and the warden_refresh cookie's session, and clears the cookie. An expired or revoked bearer token does not stop it.",
  })
  async logout(@Ctx() ctx: Context): Promise<boolean> {
    const ended = await this.sessions.logout(await ctx.viewerOrNull(), ctx.refreshCookie.read(), ctx.meta);
    ctx.refreshCookie.clear();
    return ended;
  }

  @Authorized()
  @RateLimit('sessions.logout-all')
  @NotImpersonated()
  @Mutation(() => Int, { description: 'Ends every session of the viewer; returns how many.' })
  async logoutAll(@Ctx() ctx: Context): Promise<number> {
    const count = await this.sessions.logoutAll(await ctx.requireViewer(), ctx.meta);
    ctx.refreshCookie.clear();
    return count;
  }

  @Authorized()
  @RateLimit('sessions.revoke')
  @NotImpersonated()
  @Mutation(() => Boolean, { description: "Ends one of the viewer's sessions." })
  async revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    return this.sessions.revokeSession(await ctx.requireViewer(), id, ctx.meta);
  }
}
