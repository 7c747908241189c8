import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { AuditEventEntity } from './audit-event.entity';

const DAY_MS = 86_400_000;

/** Audit events older than AUDIT_RETENTION_DAYS. */
export const auditRetentionJobs: MaintenanceJob[] = [
  {
    name: 'audit_events.expired',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.maintenance.auditRetentionDays * DAY_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, AuditEventEntity), 'created_at < $1', [cutoff]);
    },
  },
];
