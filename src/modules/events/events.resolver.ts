import { Arg, Authorized, Ctx, Directive, ID, Int, Query, Resolver } from 'type-graphql';
import type { Context } from '../../graphql/context';
import { WardenError } from '../../errors/warden-error';
import type { OrganizationsService } from '../organizations/organizations.service';
import { requiresScopes } from '../organizations/requires-scopes';
import { EventConnectionType } from './events.types';
import { type EventFeed, eventTypes } from './event-feed';

/**
 * Who may read every event (no organizationId). The contract makes it admins; the admin check lives in the admin
 * module, so until it is composed here nobody may (FORBIDDEN NOT_ADMIN).
 */
export type AdminCheck = (ctx: Context) => Promise<boolean>;

export function notAdmin(): WardenError {
  return new WardenError('FORBIDDEN', { message: 'This needs a platform admin.', extensions: { reason: 'NOT_ADMIN' } });
}

/** Query.eventTypes and Query.events (contract, "Events and webhooks"). Thin: the scope check, then the feed. */
@Resolver()
export class EventsResolver {
  constructor(
    private readonly feed: EventFeed,
    private readonly orgs: OrganizationsService,
    private readonly isAdmin: AdminCheck,
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
    const viewer = await ctx.requireViewer();
    if (organizationId === null || organizationId === undefined) {
      if (!(await this.isAdmin(ctx))) throw notAdmin();
    } else {
      const [member] = await this.orgs.membershipsOf(viewer.userId, [organizationId]);
      await this.orgs.require(member ?? null, 'events:read');
    }
    return this.feed.page({ organizationId: organizationId ?? null, types, after, first });
  }
}
