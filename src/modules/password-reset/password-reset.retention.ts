import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { PasswordResetTokenEntity } from './password-reset-token.entity';

const HOUR_MS = 3600_000;

/** Reset links that expired or were used more than CODE_RETENTION_HOURS ago (their code challenge goes with the OTP sweep). */
export const passwordResetRetentionJobs: MaintenanceJob[] = [
  {
    name: 'password_reset_tokens.ended',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.maintenance.codeRetentionHours * HOUR_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, PasswordResetTokenEntity), 'expires_at < $1 OR consumed_at < $1', [cutoff]);
    },
  },
];
