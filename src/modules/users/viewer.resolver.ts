import type { GraphQLResolveInfo } from 'graphql';
import { Ctx, FieldResolver, Info, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { UserType } from './user.type';
import { OrganizationType } from '../organizations/organization.type';
import { UsersService } from './users.service';
import { SessionType } from '../sessions/session.type';
import { toSessionType } from '../sessions/session-rows';
import { WardenError } from '../../errors/warden-error';
import { requestedFields } from '../../graphql/selection';
import { requireSelf } from '../../graphql/viewer-only';
import { Direct, DirectQuery } from '../../graphql/direct-resolvers';

/** Fields of viewer answered from the access token alone: asking only these costs no database read. */
const FROM_TOKEN = new Set(['id', '__typename', 'sessions']);

@Resolver(() => UserType)
export class ViewerResolver {
  constructor(private readonly users: UsersService) {}

  @DirectQuery()
  @Query(() => UserType, { nullable: true, description: 'The signed-in user; null when the request carries no credentials.' })
  viewer(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): UserType | null | Promise<UserType | null> {
    // The hot paths: a token seen before, only id (and sessions) asked, or a profile cached and provably
    // fresh (ProfileCache): answered without I/O or a promise.
    const onlyFromToken = requestedFields(info).every((name) => FROM_TOKEN.has(name));
    const known = ctx.viewerNow();
    if (known === null) return null;
    if (known !== undefined) {
      if (onlyFromToken) return UsersService.idOnly(known.userId);
      const cached = this.users.cachedUser(known.userId);
      if (cached) return cached;
    }
    return this.loadViewer(ctx, onlyFromToken);
  }

  private async loadViewer(ctx: Context, onlyFromToken: boolean): Promise<UserType | null> {
    const viewer = await ctx.viewer();
    if (!viewer) return null;
    if (onlyFromToken) return UsersService.idOnly(viewer.userId);
    const user = await ctx.loaders.user.load(viewer.userId);
    if (!user) throw new WardenError('UNAUTHENTICATED');
    return UsersService.toType(user);
  }

  @Direct('User')
  @FieldResolver(() => OrganizationType, {
    nullable: true,
    deprecationReason: 'Use organizations: this is the earliest-joined one.',
    description: 'The earliest-joined organization (the one created at signup for existing accounts).',
  })
  organization(@Root() user: UserType, @Ctx() ctx: Context): OrganizationType | null | Promise<OrganizationType | null> {
    if (!user.organizationId) return null;
    return this.users.cachedOrganization(user.organizationId) ?? this.loadOrganization(user.organizationId, ctx);
  }

  private async loadOrganization(id: string, ctx: Context): Promise<OrganizationType | null> {
    const org = await ctx.loaders.organization.load(id);
    return org ? UsersService.toOrganizationType(org) : null;
  }

  @FieldResolver(() => [SessionType], { description: "Only resolvable on the viewer: the viewer's live sessions." })
  async sessions(@Root() user: UserType, @Ctx() ctx: Context): Promise<SessionType[]> {
    const self = await requireSelf(ctx, user.id);
    const sessions = await ctx.loaders.liveSessions.load(user.id);
    return sessions.map((s) => toSessionType(s, self.sessionId));
  }
}
