import type { Context } from '../../graphql/context';
import { actorOf, requireCaller } from '../organizations/organizations.resolver';
import { isUuid, notAMember, type OrganizationsService } from '../organizations/organizations.service';
import type { Admins } from '../admin/admins';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity';
import type { EndpointActor } from './webhook-endpoints.service';

const PERMISSION = 'webhooks:manage';

/**
 * Who may act on an endpoint (contract, "Organizations" checks and "Administration"): webhooks:manage in its
 * organization (a member's permissions, or an API key's effective scopes), or a platform admin for a global one (an
 * API key never). An unknown id answers as a foreign one: NOT_A_MEMBER.
 */
export class WebhookGate {
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
