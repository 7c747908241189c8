import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { InvitationEntity } from './invitation.entity';

const DAY_MS = 86_400_000;

export const invitationsRetentionJobs: MaintenanceJob[] = [
  {
    name: 'invitations.ended',
    run: (ctx) => {
      // An ended invitation (accepted, declined, revoked, or expired unused) stays listable for EVENT_RETENTION_DAYS.
      const cutoff = new Date(ctx.now.getTime() - ctx.config.limits.eventRetentionDays * DAY_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, InvitationEntity), 'ended_at < $1 OR expires_at < $1', [cutoff]);
    },
  },
];
