import type { WardenModule } from '../module';
import type { OrganizationsProvides } from '../organizations';
import type { AdminProvides } from '../admin';
import { EventAggregateEntity, EventEntity } from './event.entity';
import { EventFeed } from './event-feed';
import { EventRelay } from './event-relay';
import { eventsDeclarations } from './events.declarations';
import { EventsResolver } from './events.resolver';
import { eventsRetentionJobs } from './events.retention';

/**
 * Events (issue #27): the transactional outbox every module writes through kernel.events (EventOutbox, built with the
 * kernel), the relay that stamps committed rows into the feed, and the feed (Query.events, Query.eventTypes).
 */
export const eventsModule: WardenModule = {
  name: 'events',
  // organizations: the events:read check of events(organizationId); admin: every event (no organizationId).
  dependsOn: ['organizations', 'admin'],
  build(kernel, peers) {
    const { organizations } = peers.of<OrganizationsProvides>('organizations');
    const feed = new EventFeed({ dataSource: kernel.db, clock: kernel.clock, retentionDays: kernel.limits.eventRetentionDays });
    const relay = new EventRelay({
      dataSource: kernel.db,
      clock: kernel.clock,
      logger: kernel.logger,
      intervalMs: kernel.limits.outboxPollIntervalMs,
      // The eventsStamped hooks (webhooks queue their deliveries), read when a batch is stamped.
      onStamped: async (em, events) => {
        for (const listener of kernel.hooks.eventsStamped()) await listener.queue(em, events);
      },
      afterStamped: () => {
        for (const listener of kernel.hooks.eventsStamped()) listener.committed?.();
      },
    });
    relay.start();
    kernel.addCleanup(() => relay.close());
    const { admins } = peers.of<AdminProvides>('admin');
    return { instances: [feed, relay, new EventsResolver(feed, organizations, (ctx) => admins.requireAdmin(ctx))] };
  },
  entities: [EventEntity, EventAggregateEntity],
  resolvers: [EventsResolver],
  jobs: eventsRetentionJobs,
  ...eventsDeclarations,
};

export { EventOutbox, EventTypes, eventUser, type NewEvent, type EventTypeName } from './outbox';
export { eventStatements } from './event-statements';
export { EventRelay, type StampedEvent } from './event-relay';
