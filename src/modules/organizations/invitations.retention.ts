import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { InvitationEntity } from './invitation.entity';

/**
 * How long an ended invitation (accepted, declined, revoked, or expired unused) stays listable in
 * Organization.invitations. Fixed: EVENT_RETENTION_DAYS does not exist yet; the audit rows stay longer.
 */
export const ENDED_INVITATION_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

export const invitationsRetentionJobs: MaintenanceJob[] = [
  {
    name: 'invitations.ended',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ENDED_INVITATION_RETENTION_DAYS * DAY_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, InvitationEntity), 'ended_at < $1 OR expires_at < $1', [cutoff]);
    },
  },
];
