import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { MfaFactorEntity } from './mfa-factor.entity';

/** Authenticator enrollments started and never confirmed, once expired. */
export const mfaRetentionJobs: MaintenanceJob[] = [
  {
    name: 'mfa_factors.pending_expired',
    run: (ctx) => deleteInBatches(ctx, tableOf(ctx.em, MfaFactorEntity), 'confirmed_at IS NULL AND expires_at < $1', [ctx.now]),
  },
];
