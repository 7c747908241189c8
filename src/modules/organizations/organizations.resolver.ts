import DataLoader from 'dataloader';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Authorized, Ctx, Directive, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { NotImpersonated } from '../../graphql/decorators/not-impersonated';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { RecentAuth } from '../../graphql/decorators/recent-auth';
import { requireSelf } from '../../graphql/viewer-only';
import { DirectWithInfo } from '../../graphql/direct-resolvers';
import { UserType } from '../users/user.type';
import { UsersService } from '../users/users.service';
import type { MembershipEntity } from './membership.entity';
import type { OrganizationEntity } from './organization.entity';
import { OrganizationType } from './organization.type';
import { OrganizationMemberConnectionType, OrganizationMemberType, OrganizationRoleType, PermissionDefinitionType } from './organizations.types';
import { CreateOrganizationInput, MemberRefInput, UpdateMemberRoleInput, UpdateOrganizationInput } from './organizations.inputs';
import { notAMember, OrganizationsService, permissionRequired, type Actor } from './organizations.service';
import { requiresScopes } from './requires-scopes';

/** The viewer's memberships read once per request (from the database, never from the token). */
const viewerMemberships = new WeakMap<Context, DataLoader<string, MembershipEntity | null>>();

async function viewerMembership(ctx: Context, orgs: OrganizationsService, organizationId: string): Promise<MembershipEntity | null> {
  const viewer = await ctx.viewer();
  if (!viewer) return null;
  let loader = viewerMemberships.get(ctx);
  if (!loader) {
    loader = new DataLoader((ids: readonly string[]) => orgs.membershipsOf(viewer.userId, ids));
    viewerMemberships.set(ctx, loader);
  }
  return loader.load(organizationId);
}

/**
 * The caller's permissions in the organization, read now: a member's; an organization's API key's effective scopes
 * (its own organization only); a personal key's owner's ∩ the key's scopes. null: not a member (NOT_A_MEMBER).
 */
export async function callerPermissions(ctx: Context, orgs: OrganizationsService, organizationId: string): Promise<readonly string[] | null> {
  const key = await ctx.apiKey();
  if (key && key.userId === null) return key.organizationId === organizationId ? key.effectiveScopes : null;
  // A personal key's token exchanged with organization_id acts in that organization only.
  if (key && key.organizationId !== null && key.organizationId !== organizationId) return null;
  const member = await viewerMembership(ctx, orgs, organizationId);
  if (!member) return null;
  const held = await orgs.permissionsOf(member);
  return key ? held.filter((p) => key.scopes.includes(p)) : held;
}

/**
 * Who acts in an organization mutation (contract, "API keys", "As a bearer"): the viewer; a personal key's owner
 * within the key's scopes; an organization's key as its creator's membership of that organization only, cut to the
 * key's effective scopes (the key's scopes ∩ the creator's permissions now). A key never acts as an owner.
 */
export async function actorOf(ctx: Context): Promise<Actor> {
  const key = await ctx.apiKey();
  if (!key) return ctx.requireViewer();
  // A personal key acts as its owner; pinned to the organization its token was exchanged for, if any.
  if (key.userId !== null) return { userId: key.userId, apiKey: { id: key.apiKeyId, scopes: key.scopes, organizationId: key.organizationId } };
  return { userId: key.createdByUserId, apiKey: { id: key.apiKeyId, scopes: key.effectiveScopes, organizationId: key.organizationId } };
}

/** FORBIDDEN NOT_A_MEMBER without permissions there, PERMISSION_REQUIRED without this one. */
export async function requireCaller(ctx: Context, orgs: OrganizationsService, organizationId: string, permission: string): Promise<void> {
  const held = await callerPermissions(ctx, orgs, organizationId);
  if (!held) throw notAMember();
  if (!held.includes(permission)) throw permissionRequired(permission);
}

function toOrganization(org: OrganizationEntity): OrganizationType {
  return UsersService.toOrganizationType(org);
}

async function toMembers(ctx: Context, rows: readonly MembershipEntity[]): Promise<OrganizationMemberType[]> {
  const users = await ctx.loaders.user.loadMany(rows.map((r) => r.userId));
  return rows.map((r, i) => {
    const user = users[i];
    const known = user && !(user instanceof Error) ? user : null;
    return { id: r.id, userId: r.userId, email: known?.email ?? null, name: known?.name ?? null, role: r.role, joinedAt: r.joinedAt };
  });
}

/** Queries and mutations of organizations (contract, third part). Thin: one service call each. */
@Resolver()
export class OrganizationsResolver {
  constructor(private readonly orgs: OrganizationsService) {}

  @Query(() => [PermissionDefinitionType], { description: 'Public: the permission vocabulary.' })
  permissions(): PermissionDefinitionType[] {
    return this.orgs.permissions().map((p) => ({ ...p }));
  }

  @Query(() => OrganizationType, { nullable: true, description: "For a member (or the organization's API key); null otherwise, unknown ids alike." })
  async organization(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<OrganizationType | null> {
    const key = await ctx.apiKey();
    if (key && key.userId === null) {
      const own = key.organizationId === id ? await ctx.loaders.organization.load(id) : null;
      return own ? toOrganization(own) : null;
    }
    if (key && key.organizationId !== null && key.organizationId !== id) return null;
    const viewer = await ctx.viewer();
    const org = viewer ? await this.orgs.organizationForMember(viewer.userId, id) : null;
    return org ? toOrganization(org) : null;
  }

  @Authorized()
  @RateLimit('organizations.create')
  @Mutation(() => OrganizationType, { description: 'The viewer becomes its owner. The session’s active organization does not change.' })
  async createOrganization(@Arg('input', () => CreateOrganizationInput) input: CreateOrganizationInput, @Ctx() ctx: Context): Promise<OrganizationType> {
    return toOrganization(await this.orgs.create(await ctx.requireViewer(), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.update')
  @Directive(requiresScopes('org:update'))
  @Mutation(() => OrganizationType)
  async updateOrganization(@Arg('input', () => UpdateOrganizationInput) input: UpdateOrganizationInput, @Ctx() ctx: Context): Promise<OrganizationType> {
    return toOrganization(await this.orgs.update(await actorOf(ctx), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.delete')
  @RecentAuth()
  @Directive(requiresScopes('org:delete'))
  @Mutation(() => Boolean, { description: 'Owner, recent authentication.' })
  async deleteOrganization(@Arg('organizationId', () => ID) organizationId: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.orgs.delete(await ctx.requireViewer(), organizationId, ctx.meta);
    return true;
  }

  @Authorized()
  @RateLimit('organizations.update-member-role')
  @Directive(requiresScopes('members:update_role'))
  @Mutation(() => OrganizationMemberType)
  async updateMemberRole(@Arg('input', () => UpdateMemberRoleInput) input: UpdateMemberRoleInput, @Ctx() ctx: Context): Promise<OrganizationMemberType> {
    const member = await this.orgs.updateMemberRole(await actorOf(ctx), input, ctx.meta);
    return (await toMembers(ctx, [member]))[0]!;
  }

  @Authorized()
  @RateLimit('organizations.remove-member')
  @Directive(requiresScopes('members:remove'))
  @Mutation(() => Boolean, { description: 'Others only; the viewer uses leaveOrganization.' })
  async removeMember(@Arg('input', () => MemberRefInput) input: MemberRefInput, @Ctx() ctx: Context): Promise<boolean> {
    await this.orgs.removeMember(await actorOf(ctx), input, ctx.meta);
    return true;
  }

  @Authorized()
  @RateLimit('organizations.leave')
  @NotImpersonated()
  @Mutation(() => Boolean)
  async leaveOrganization(@Arg('organizationId', () => ID) organizationId: string, @Ctx() ctx: Context): Promise<boolean> {
    await this.orgs.leave(await ctx.requireViewer(), organizationId, ctx.meta);
    return true;
  }

  @Authorized()
  @RateLimit('organizations.transfer-ownership')
  @RecentAuth()
  @Mutation(() => OrganizationType, { description: 'Owner, recent authentication: the member becomes owner, the viewer admin.' })
  async transferOwnership(@Arg('input', () => MemberRefInput) input: MemberRefInput, @Ctx() ctx: Context): Promise<OrganizationType> {
    return toOrganization(await this.orgs.transferOwnership(await ctx.requireViewer(), input, ctx.meta));
  }
}

/** The caller-dependent fields of Organization: each reads the caller's membership (once per request). */
@Resolver(() => OrganizationType)
export class OrganizationFieldsResolver {
  constructor(private readonly orgs: OrganizationsService) {}

  @FieldResolver(() => String, { nullable: true, description: "The caller's role key here; null for a non-member or an API key." })
  async viewerRole(@Root() org: OrganizationType, @Ctx() ctx: Context): Promise<string | null> {
    if (await ctx.apiKey()) return null;
    return (await viewerMembership(ctx, this.orgs, org.id))?.role ?? null;
  }

  @DirectWithInfo('Organization')
  @FieldResolver(() => [String], { description: "The caller's permissions here, sorted; [] for a non-member; an API key's effective scopes." })
  viewerPermissions(@Root() org: OrganizationType, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): string[] | Promise<string[]> {
    // The hot path: a session bearer verified before (never an API key: those are not remembered by the sessions),
    // in a query, for its own organization: its scope claim, without a promise.
    const known = info.operation.operation === 'query' ? ctx.viewerNow() : undefined;
    if (known && known.organizationId === org.id && known.organizationScope !== undefined) return scopePermissions(known.organizationScope);
    return this.loadViewerPermissions(org, ctx, info);
  }

  private async loadViewerPermissions(org: OrganizationType, ctx: Context, info: GraphQLResolveInfo): Promise<string[]> {
    // An API key (or its token): its effective scopes, computed at every use.
    if (await ctx.apiKey()) return [...((await callerPermissions(ctx, this.orgs, org.id)) ?? [])];
    // In a query, for the bearer token's own organization: its scope claim (kept current by CLAIMS_CHANGED), no
    // statement. A mutation may have just changed them (transferOwnership): it reads the membership.
    const viewer = info.operation.operation === 'query' ? await ctx.viewer() : null;
    if (viewer && viewer.organizationId === org.id && viewer.organizationScope !== undefined) return scopePermissions(viewer.organizationScope);
    const member = await viewerMembership(ctx, this.orgs, org.id);
    return member ? [...(await this.orgs.permissionsOf(member))] : [];
  }

  @FieldResolver(() => Boolean, { description: 'BAD_USER_INPUT when permission is not in Query.permissions; false for a non-member.' })
  async viewerCan(@Root() org: OrganizationType, @Arg('permission', () => String) permission: string, @Ctx() ctx: Context): Promise<boolean> {
    const name = this.orgs.checkPermissionName(permission);
    return ((await callerPermissions(ctx, this.orgs, org.id)) ?? []).includes(name);
  }

  @Directive(requiresScopes('org:read'))
  @FieldResolver(() => Int)
  async memberCount(@Root() org: OrganizationType, @Ctx() ctx: Context): Promise<number> {
    await requireCaller(ctx, this.orgs, org.id, 'org:read');
    return this.orgs.memberCount(org.id);
  }

  @Directive(requiresScopes('members:read'))
  @FieldResolver(() => OrganizationMemberConnectionType, { description: 'Earliest joined first.' })
  async members(
    @Root() org: OrganizationType,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<OrganizationMemberConnectionType> {
    await requireCaller(ctx, this.orgs, org.id, 'members:read');
    const page = await this.orgs.members(org.id, first ?? 50, after);
    return { nodes: await toMembers(ctx, page.nodes), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
  }

  @Directive(requiresScopes('org:read'))
  @FieldResolver(() => [OrganizationRoleType], { description: 'Built-in roles first, then custom roles by key.' })
  async roles(@Root() org: OrganizationType, @Ctx() ctx: Context): Promise<OrganizationRoleType[]> {
    await requireCaller(ctx, this.orgs, org.id, 'org:read');
    return (await this.orgs.roles(org.id)).map((r) => ({ ...r, permissions: [...r.permissions] }));
  }
}

/** User.organizations: only on the viewer. */
@Resolver(() => UserType)
export class OrganizationsUserResolver {
  constructor(private readonly orgs: OrganizationsService) {}

  @FieldResolver(() => [OrganizationType], { description: 'Only resolvable on the viewer: earliest joined first.' })
  async organizations(@Root() user: UserType, @Ctx() ctx: Context): Promise<OrganizationType[]> {
    const self = await requireSelf(ctx, user.id);
    return (await this.orgs.organizationsOf(self.userId)).map(toOrganization);
  }
}

/** The organization permissions of an access token's scope claim (the warden:* scopes are not permissions). */
function scopePermissions(scope: string): string[] {
  return scope.split(' ').filter((p) => p !== '' && !p.startsWith('warden:'));
}
