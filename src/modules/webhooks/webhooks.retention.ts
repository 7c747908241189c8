import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';

const DAY_MS = 86_400_000;

export const webhooksRetentionJobs: MaintenanceJob[] = [
  {
    // Deliveries older than EVENT_RETENTION_DAYS (as their events), whatever their status.
    name: 'webhook_deliveries.old',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.limits.eventRetentionDays * DAY_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, WebhookDeliveryEntity), 'created_at < $1', [cutoff]);
    },
  },
];
