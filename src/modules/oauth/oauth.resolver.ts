import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { RecentAuth } from '../../graphql/decorators/recent-auth';
import { requireSelf } from '../../graphql/viewer-only';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';
import { UserType } from '../users/user.type';
import { UsersService } from '../users/users.service';
import type { OAuthService } from './oauth.service';
import { IdentityType, OAuthProviderKind, OAuthProviderType, OAuthStartType } from './oauth.types';
import { CompleteOAuthInput, StartOAuthInput } from './oauth.inputs';

@Resolver()
export class OAuthResolver {
  constructor(private readonly oauth: OAuthService) {}

  @Query(() => [OAuthProviderType], { description: 'The sign-in providers configured on this gateway.' })
  oauthProviders(): OAuthProviderType[] {
    return this.oauth.providers().map((p) => ({ id: p.id, kind: OAuthProviderKind[p.kind], name: p.name }));
  }

  @RateLimit('oauth.start')
  @Mutation(() => OAuthStartType, { description: 'Starts a provider sign-in (or sign-up). Navigate the browser to authorizationUrl.' })
  startOAuth(@Arg('input', () => StartOAuthInput) input: StartOAuthInput, @Ctx() ctx: Context): Promise<OAuthStartType> {
    return this.oauth.start(input, ctx.meta, null);
  }

  @RateLimit('oauth.complete')
  @Mutation(() => AuthPayloadType, { description: 'Redeems the one-time code that the callback appended to redirectTo; signs in.' })
  async completeOAuth(@Arg('input', () => CompleteOAuthInput) input: CompleteOAuthInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    // A linkOAuth code completes only on the bearer of the session that started it.
    return toAuthPayload(ctx, await this.oauth.complete(input, ctx.meta, await ctx.viewerOrNull()));
  }

  @Authorized()
  @RateLimit('oauth.link')
  @RecentAuth()
  @Mutation(() => OAuthStartType, { description: 'Signed in, recent authentication: links another provider account to the viewer; finish with completeOAuth.' })
  async linkOAuth(@Arg('input', () => StartOAuthInput) input: StartOAuthInput, @Ctx() ctx: Context): Promise<OAuthStartType> {
    const viewer = await ctx.requireViewer();
    return this.oauth.start(input, ctx.meta, viewer);
  }

  @Authorized()
  @RateLimit('oauth.unlink')
  @RecentAuth()
  @Mutation(() => UserType, { description: 'Removes a linked identity; refuses the last way to sign in.' })
  async unlinkIdentity(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<UserType> {
    const viewer = await ctx.requireViewer();
    return UsersService.toType(await this.oauth.unlink(viewer.userId, id, ctx.meta));
  }
}

/** User.identities and User.hasPassword (viewer only). */
@Resolver(() => UserType)
export class IdentityFieldsResolver {
  constructor(private readonly oauth: OAuthService) {}

  @FieldResolver(() => [IdentityType], { description: 'Only resolvable on the viewer.' })
  async identities(@Root() user: UserType, @Ctx() ctx: Context): Promise<IdentityType[]> {
    await requireSelf(ctx, user.id);
    return (await this.oauth.identitiesOf(user.id)).map((i) => ({
      id: i.id,
      provider: i.provider,
      email: i.email,
      emailVerified: i.emailVerified,
      createdAt: i.createdAt,
      lastSignInAt: i.lastSignInAt,
    }));
  }

  @FieldResolver(() => Boolean, { description: 'Only resolvable on the viewer: whether a password is set (provider-only accounts have none).' })
  async hasPassword(@Root() user: UserType, @Ctx() ctx: Context): Promise<boolean> {
    await requireSelf(ctx, user.id);
    return this.oauth.hasPassword(user.id);
  }
}
