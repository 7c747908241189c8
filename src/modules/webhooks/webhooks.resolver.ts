import { Arg, Authorized, Ctx, Directive, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { RateLimit } from '../../graphql/decorators/rate-limit';
import { impersonationRefused } from '../sessions/live-sessions';
import { OrganizationType } from '../organizations/organization.type';
import { requiresScopes } from '../organizations/requires-scopes';
import { actorOf, requireCaller } from '../organizations/organizations.resolver';
import { isUuid, notAMember, type OrganizationsService } from '../organizations/organizations.service';
import type { Admins } from '../admin/admins';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { EndpointActor, WebhookEndpointsService } from './webhook-endpoints.service';
import type { WebhookDeliveriesService } from './webhook-deliveries.service';
import { CreateWebhookEndpointInput, UpdateWebhookEndpointInput } from './webhooks.inputs';
import { WebhookDeliveryConnectionType, WebhookDeliveryStatus, WebhookDeliveryType, WebhookEndpointSecretType, WebhookEndpointType } from './webhooks.types';

const MANAGE = requiresScopes('webhooks:manage', 'warden:admin');
const PERMISSION = 'webhooks:manage';

export function toEndpoint(row: WebhookEndpointEntity): WebhookEndpointType {
  return {
    id: row.id,
    organizationId: row.organizationId,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    createdAt: row.createdAt,
  };
}

function toDelivery(row: WebhookDeliveryEntity): WebhookDeliveryType {
  return {
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    status: row.status as WebhookDeliveryStatus,
    attempts: row.attempts,
    lastAttemptAt: row.lastAttemptAt,
    nextAttemptAt: row.nextAttemptAt,
    responseStatusCode: row.responseStatusCode,
    responseBody: row.responseBody,
    error: row.error,
    createdAt: row.createdAt,
  };
}

/**
 * Create and rotate need recent authentication, checked after the gate (a non-admin asking for a global endpoint is
 * NOT_ADMIN, a stranger NOT_A_MEMBER, whatever their session's age) — but an impersonation session is refused first,
 * as by @RecentAuth (contract, "Administration").
 */
async function refuseImpersonation(ctx: Context): Promise<void> {
  if ((await ctx.apiKey()) === null && (await ctx.viewerOrNull())?.impersonatorId) throw impersonationRefused();
}

/**
 * Who may act on an endpoint (contract, "Organizations" checks and "Administration"): webhooks:manage in its
 * organization (a member's permissions, or an API key's effective scopes), or a platform admin for a global one (an
 * API key never). An unknown id answers as a foreign one: NOT_A_MEMBER.
 */
class WebhookGate {
  constructor(
    private readonly orgs: OrganizationsService,
    private readonly admins: Admins,
  ) {}

  async organization(ctx: Context, organizationId: string | null, mutation: boolean): Promise<EndpointActor> {
    const key = await ctx.apiKey();
    if (!key) await ctx.requireViewer();
    if (organizationId === null) {
      if (key) throw notAMember();
      return { userId: (await this.admins.requireAdmin(ctx, { mutation })).userId };
    }
    if (!isUuid(organizationId)) throw notAMember();
    await requireCaller(ctx, this.orgs, organizationId, PERMISSION);
    return { userId: (await actorOf(ctx)).userId };
  }

  async endpoint(ctx: Context, endpoint: WebhookEndpointEntity | null, mutation = true): Promise<EndpointActor> {
    if (!endpoint) {
      if (!(await ctx.apiKey())) await ctx.requireViewer();
      throw notAMember();
    }
    return this.organization(ctx, endpoint.organizationId, mutation);
  }
}

/** The six webhook mutations and adminWebhookEndpoints (contract, "Events and webhooks"). Thin: the gate, then one service call. */
@Resolver()
export class WebhooksResolver {
  private readonly gate: WebhookGate;

  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: WebhookDeliveriesService,
    orgs: OrganizationsService,
    admins: Admins,
  ) {
    this.gate = new WebhookGate(orgs, admins);
  }

  @Directive(requiresScopes('warden:admin'))
  @Query(() => [WebhookEndpointType], { description: 'Global endpoints (organizationId null).' })
  async adminWebhookEndpoints(@Ctx() ctx: Context): Promise<WebhookEndpointType[]> {
    await this.gate.organization(ctx, null, false);
    return (await this.endpoints.list(null)).map(toEndpoint);
  }

  @Authorized()
  @RateLimit('webhooks.create')
  @Directive(MANAGE)
  @Mutation(() => WebhookEndpointSecretType, { description: 'Recent authentication.' })
  async createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput) input: CreateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<WebhookEndpointSecretType> {
    const organizationId = input.organizationId ?? null;
    await refuseImpersonation(ctx);
    const actor = await this.gate.organization(ctx, organizationId, true);
    await ctx.requireRecentAuthentication();
    const { endpoint, secret } = await this.endpoints.create(actor, { ...input, organizationId }, ctx.meta);
    return { endpoint: toEndpoint(endpoint), secret };
  }

  @Authorized()
  @RateLimit('webhooks.update')
  @Directive(MANAGE)
  @Mutation(() => WebhookEndpointType)
  async updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<WebhookEndpointType> {
    const endpoint = await this.endpoints.find(input.id);
    const actor = await this.gate.endpoint(ctx, endpoint);
    return toEndpoint(await this.endpoints.update(actor, endpoint!, input, ctx.meta));
  }

  @Authorized()
  @RateLimit('webhooks.delete')
  @Directive(MANAGE)
  @Mutation(() => Boolean, { description: 'Its pending deliveries are dropped.' })
  async deleteWebhookEndpoint(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<boolean> {
    const endpoint = await this.endpoints.find(id);
    const actor = await this.gate.endpoint(ctx, endpoint);
    await this.endpoints.delete(actor, endpoint!, ctx.meta);
    return true;
  }

  @Authorized()
  @RateLimit('webhooks.rotate')
  @Directive(MANAGE)
  @Mutation(() => WebhookEndpointSecretType, { description: 'Recent authentication. The old secret also signs for WEBHOOK_SECRET_ROTATION_GRACE_SECONDS.' })
  async rotateWebhookSecret(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WebhookEndpointSecretType> {
    await refuseImpersonation(ctx);
    const endpoint = await this.endpoints.find(id);
    const actor = await this.gate.endpoint(ctx, endpoint);
    await ctx.requireRecentAuthentication();
    const rotated = await this.endpoints.rotate(actor, endpoint!, ctx.meta);
    return { endpoint: toEndpoint(rotated.endpoint), secret: rotated.secret };
  }

  @Authorized()
  @RateLimit('webhooks.test')
  @Directive(MANAGE)
  @Mutation(() => WebhookDeliveryType, {
    description: 'One attempt now, no retry, disabled endpoints too: a webhook.test message (not in the feed); answers after the attempt.',
  })
  async sendTestEvent(@Arg('endpointId', () => ID) endpointId: string, @Ctx() ctx: Context): Promise<WebhookDeliveryType> {
    const endpoint = await this.endpoints.find(endpointId);
    const actor = await this.gate.endpoint(ctx, endpoint);
    return toDelivery(await this.deliveries.sendTest(actor, endpoint!, ctx.meta));
  }

  @Authorized()
  @RateLimit('webhooks.replay')
  @Directive(MANAGE)
  @Mutation(() => WebhookDeliveryType, { description: 'A new PENDING delivery of the same event (same webhook-id) on the normal schedule.' })
  async replayDelivery(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<WebhookDeliveryType> {
    const delivery = await this.deliveries.find(id);
    const endpoint = delivery ? await this.endpoints.find(delivery.endpointId) : null;
    const actor = await this.gate.endpoint(ctx, endpoint);
    return toDelivery(await this.deliveries.replay(actor, endpoint!, delivery!, ctx.meta));
  }
}

/** Organization.webhookEndpoints: for a member (or the organization's key) with webhooks:manage. */
@Resolver(() => OrganizationType)
export class WebhooksOrganizationResolver {
  constructor(
    private readonly endpoints: WebhookEndpointsService,
    private readonly orgs: OrganizationsService,
  ) {}

  @Directive(requiresScopes('webhooks:manage'))
  @FieldResolver(() => [WebhookEndpointType])
  async webhookEndpoints(@Root() org: OrganizationType, @Ctx() ctx: Context): Promise<WebhookEndpointType[]> {
    await requireCaller(ctx, this.orgs, org.id, PERMISSION);
    return (await this.endpoints.list(org.id)).map(toEndpoint);
  }
}

/**
 * WebhookEndpoint.deliveries, newest first. An endpoint is only ever answered after its gate passed (the mutations,
 * Organization.webhookEndpoints, adminWebhookEndpoints), so its deliveries need no second check.
 */
@Resolver(() => WebhookEndpointType)
export class WebhookEndpointFieldsResolver {
  constructor(private readonly service: WebhookDeliveriesService) {}

  @FieldResolver(() => WebhookDeliveryConnectionType, { description: 'Newest first.' })
  async deliveries(
    @Root() endpoint: WebhookEndpointType,
    @Arg('status', () => WebhookDeliveryStatus, { nullable: true }) status: WebhookDeliveryStatus | null,
    @Arg('first', () => Int, { nullable: true, defaultValue: 50 }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<WebhookDeliveryConnectionType> {
    const page = await this.service.page(endpoint.id, { status, first: first ?? 50, after });
    return { nodes: page.nodes.map(toDelivery), endCursor: page.endCursor, hasNextPage: page.hasNextPage };
  }
}
