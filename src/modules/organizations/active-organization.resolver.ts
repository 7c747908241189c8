import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Resolver, Root } from 'type-graphql';
import { NotImpersonated } from '../../graphql/decorators/not-impersonated';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { selfOrNull, selfOrNullNow } from '../../graphql/viewer-only';
import { DirectWithInfo } from '../../graphql/direct-resolvers';
import { UserType } from '../users/user.type';
import { UsersService } from '../users/users.service';
import { SessionType } from '../sessions/session.type';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';
import { OrganizationType } from './organization.type';
import { ActiveOrganizations } from './active-organization';

/** setActiveOrganization and the active organization of the viewer's sessions. */
@Resolver()
export class ActiveOrganizationResolver {
  constructor(private readonly active: ActiveOrganizations) {}

  @Authorized()
  @RateLimit('organizations.set-active')
  @NotImpersonated()
  @Mutation(() => AuthPayloadType, {
    description: "Sets (null: clears) the session's active organization; answers the same session's tokens with the new claims.",
  })
  async setActiveOrganization(
    @Arg('organizationId', () => ID, { nullable: true }) organizationId: string | null,
    @Ctx() ctx: Context,
  ): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.active.setActive(await ctx.requireViewer(), organizationId));
  }
}

@Resolver(() => UserType)
export class ActiveOrganizationUserResolver {
  constructor(
    private readonly active: ActiveOrganizations,
    private readonly users: UsersService,
  ) {}

  @DirectWithInfo('User')
  @FieldResolver(() => OrganizationType, { nullable: true, description: "Only resolvable on the viewer: the current session's active organization." })
  activeOrganization(
    @Root() user: UserType,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): OrganizationType | null | Promise<OrganizationType | null> {
    // The hot path (a bearer verified before, its organization in the profile cache): answered without a promise.
    const now = selfOrNullNow(ctx, user.id);
    if (now === null) return null;
    if (now !== undefined && now.organizationId !== undefined && info.operation.operation === 'query') {
      if (now.organizationId === null) return null;
      const cached = this.users.cachedOrganization(now.organizationId);
      if (cached) return cached;
    }
    return this.loadActive(user, ctx, info);
  }

  private async loadActive(user: UserType, ctx: Context, info: GraphQLResolveInfo): Promise<OrganizationType | null> {
    const self = await selfOrNull(ctx, user.id);
    if (!self) return null;
    if (self.organizationId !== undefined && info.operation.operation === 'query') {
      // The bearer's org_id (see Viewer.organizationId): no session or membership read; the organization from the
      // profile cache (dropped on every instance when it changes), else one load.
      if (self.organizationId === null) return null;
      const cached = this.users.cachedOrganization(self.organizationId);
      if (cached) return cached;
      const row = await ctx.loaders.organization.load(self.organizationId);
      return row ? UsersService.toOrganizationType(row) : null;
    }
    // A mutation's answer, or a session switched or signed in by this request (ctx.signedIn): read the session.
    const org = await this.active.ofSession(self.userId, self.sessionId);
    return org ? UsersService.toOrganizationType(org) : null;
  }
}

@Resolver(() => SessionType)
export class ActiveOrganizationSessionResolver {
  constructor(private readonly active: ActiveOrganizations) {}

  @FieldResolver(() => OrganizationType, { nullable: true })
  async activeOrganization(@Root() session: SessionType, @Ctx() ctx: Context): Promise<OrganizationType | null> {
    const viewer = await ctx.viewer();
    if (!viewer) return null;
    const org = await this.active.ofSession(viewer.userId, session.id, session.activeOrganizationId);
    return org ? UsersService.toOrganizationType(org) : null;
  }
}
