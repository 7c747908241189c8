import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { UserBanEntity } from './user-ban.entity';

/** A ban that ended is of no more use (the audit trail keeps user.banned): its row goes. */
export const adminRetentionJobs: MaintenanceJob[] = [
  {
    name: 'user_bans.ended',
    run: (ctx) => deleteInBatches(ctx, tableOf(ctx.em, UserBanEntity), 'banned_until IS NOT NULL AND banned_until < $1', [ctx.now]),
  },
];
