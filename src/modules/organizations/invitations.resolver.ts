import { Arg, Authorized, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { NotImpersonated } from '../../graphql/decorators/not-impersonated';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { requireSelf } from '../../graphql/viewer-only';
import { UserType } from '../users/user.type';
import { AuthPayloadType } from '../sessions/auth-payload.type';
import { toAuthPayload } from '../sessions/auth-payload';
import { RequestAcceptedType } from '../magic-link/request-accepted.type';
import { OrganizationType } from './organization.type';
import { InvitationConnectionType, InvitationStatus, InvitationType } from './invitations.types';
import { InvitationRefInput, InviteMemberInput } from './invitations.inputs';
import { InvitationsService } from './invitations.service';
import type { InvitationView } from './invitation-view';
import { OrganizationsService } from './organizations.service';
import { actorOf, requireCaller } from './organizations.resolver';
import { requiresScopes } from './requires-scopes';

const INVITE = requiresScopes('members:invite');

const toType = (v: InvitationView): InvitationType => ({ ...v, status: v.status as InvitationStatus });

/** Invitations (contract, third part): thin, one service call each. */
@Resolver()
export class InvitationsResolver {
  constructor(private readonly invitations: InvitationsService) {}

  @RateLimit('organizations.invitation-preview')
  @Query(() => InvitationType, { description: 'No sign-in needed; does not consume the token. INVALID_TOKEN unless PENDING and unexpired.' })
  async invitationPreview(@Arg('token', () => String) token: string): Promise<InvitationType> {
    return toType(await this.invitations.preview(token));
  }

  @Authorized()
  @RateLimit('organizations.invite')
  @Directive(INVITE)
  @Mutation(() => InvitationType, { description: 'Mails APP_URL + ORG_INVITATION_PATH + ?token=…; the same answer whether or not the address has an account.' })
  async inviteMember(@Arg('input', () => InviteMemberInput) input: InviteMemberInput, @Ctx() ctx: Context): Promise<InvitationType> {
    return toType(await this.invitations.invite(await actorOf(ctx), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.resend-invitation')
  @Directive(INVITE)
  @Mutation(() => InvitationType, { description: 'PENDING or EXPIRED only: a new token and expiry; the previous link stops working.' })
  async resendInvitation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<InvitationType> {
    return toType(await this.invitations.resend(await actorOf(ctx), id, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.revoke-invitation')
  @Directive(INVITE)
  @Mutation(() => InvitationType)
  async revokeInvitation(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<InvitationType> {
    return toType(await this.invitations.revoke(await actorOf(ctx), id, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.accept-invitation')
  @NotImpersonated()
  @Mutation(() => AuthPayloadType, { description: 'Joins with the invited role and makes the organization active on this session.' })
  async acceptInvitation(@Arg('input', () => InvitationRefInput) input: InvitationRefInput, @Ctx() ctx: Context): Promise<AuthPayloadType> {
    return toAuthPayload(ctx, await this.invitations.accept(await ctx.requireViewer(), input, ctx.meta));
  }

  @Authorized()
  @RateLimit('organizations.decline-invitation')
  @NotImpersonated()
  @Mutation(() => RequestAcceptedType)
  async declineInvitation(@Arg('input', () => InvitationRefInput) input: InvitationRefInput, @Ctx() ctx: Context): Promise<RequestAcceptedType> {
    await this.invitations.decline(await ctx.requireViewer(), input, ctx.meta);
    return { ok: true };
  }
}

/** Organization.invitations (members:invite). */
@Resolver(() => OrganizationType)
export class InvitationFieldsResolver {
  constructor(
    private readonly service: InvitationsService,
    private readonly orgs: OrganizationsService,
  ) {}

  @Directive(INVITE)
  @FieldResolver(() => InvitationConnectionType, { description: 'Every status when status is null.' })
  async invitations(
    @Root() org: OrganizationType,
    @Arg('status', () => InvitationStatus, { nullable: true }) status: InvitationStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
    @Ctx() ctx: Context,
  ): Promise<InvitationConnectionType> {
    await requireCaller(ctx, this.orgs, org.id, 'members:invite');
    const { page, views } = await this.service.list(org.id, status ?? null, first ?? 50, after);
    return { nodes: views.map(toType), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
  }
}

/** User.pendingInvitations: only on the viewer. */
@Resolver(() => UserType)
export class InvitationsUserResolver {
  constructor(private readonly invitations: InvitationsService) {}

  @FieldResolver(() => [InvitationType], { description: "Only resolvable on the viewer: unexpired PENDING invitations to the viewer's verified email." })
  async pendingInvitations(@Root() user: UserType, @Ctx() ctx: Context): Promise<InvitationType[]> {
    const self = await requireSelf(ctx, user.id);
    return (await this.invitations.pendingFor(self.userId)).map(toType);
  }
}
