import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { EventAggregateEntity, EventEntity } from './event.entity';

const DAY_MS = 86_400_000;

/** The types after which an aggregate gets no more events: its sequence counter may go with its last event. */
const FINAL_TYPES = ['user.erased', 'organization.deleted'];

export const eventsRetentionJobs: MaintenanceJob[] = [
  {
    // Stamped events older than EVENT_RETENTION_DAYS (a cursor before them is CURSOR_EXPIRED).
    name: 'events.old',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.limits.eventRetentionDays * DAY_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, EventEntity), 'position IS NOT NULL AND occurred_at < $1', [cutoff]);
    },
  },
  {
    // The counter of an erased user or deleted organization, once its events are gone too.
    name: 'event_aggregates.ended',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.limits.eventRetentionDays * DAY_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, EventAggregateEntity), "last_event_at < $1 AND last_type = ANY($2::text[]) AND aggregate_type <> ''", [
        cutoff,
        FINAL_TYPES,
      ]);
    },
  },
];
