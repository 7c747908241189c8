import { Arg, Authorized, Ctx, Directive, ID, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import type { OrganizationsService } from '../organizations/organizations.service';
import { requiresScopes } from '../organizations/requires-scopes';
import { requireCaller } from '../organizations/organizations.resolver';
import { EventConnectionType } from './events.types';
import { type EventFeed, eventTypes } from './event-feed';

/** The admin module's gate (Admins.requireAdmin): every event (no organizationId) is for platform admins on an aal2 session. */
export type AdminGate = (ctx: Context) => Promise<unknown>;

/** Query.eventTypes and Query.events (contract, "Events and webhooks"). Thin: the scope check, then the feed. */
@Resolver()
export class EventsResolver {
  constructor(
    private readonly feed: EventFeed,
    private readonly orgs: OrganizationsService,
    private readonly requireAdmin: AdminGate,
  ) {}

  @Query(() => [String], { description: 'Public: every event type.' })
  eventTypes(): string[] {
    return eventTypes();
  }

  @Authorized()
  @Directive(requiresScopes('events:read', 'warden:admin'))
  @Query(() => EventConnectionType, { description: 'organizationId null: every event (admins only).' })
  async events(
    @Ctx() ctx: Context,
    @Arg('organizationId', () => ID, { nullable: true }) organizationId?: string | null,
    @Arg('types', () => [String], { nullable: true }) types?: string[] | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('first', () => Int, { defaultValue: 50 }) first = 50,
  ): Promise<EventConnectionType> {
    if (organizationId === null || organizationId === undefined) {
      await this.requireAdmin(ctx);
    } else {
      // A member's permissions, or an API key's effective scopes (an organization's key: its own organization only).
      if (!(await ctx.apiKey())) await ctx.requireViewer();
      await requireCaller(ctx, this.orgs, organizationId, 'events:read');
    }
    return this.feed.page({ organizationId: organizationId ?? null, types, after, first });
  }
}
