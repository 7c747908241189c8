import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { OtpChallengeEntity } from './otp-challenge.entity';

const HOUR_MS = 3600_000;

/** Codes (real and decoy challenges) that expired or were used more than CODE_RETENTION_HOURS ago. */
export const otpRetentionJobs: MaintenanceJob[] = [
  {
    name: 'otp_challenges.ended',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.maintenance.codeRetentionHours * HOUR_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, OtpChallengeEntity), 'expires_at < $1 OR consumed_at < $1', [cutoff]);
    },
  },
];
