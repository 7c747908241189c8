import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SessionEntity } from './session.entity';

const DAY_MS = 86_400_000;

export const sessionsRetentionJobs: MaintenanceJob[] = [
  {
    /**
     * Rotated refresh tokens, once past the reuse interval and REFRESH_ROTATED_RETENTION_SECONDS. While a
     * rotated token is kept, presenting it revokes its session (theft detection); once deleted it is only invalid.
     */
    name: 'refresh_tokens.rotated',
    run: (ctx) => {
      const keepSeconds = Math.max(ctx.config.maintenance.rotatedRefreshTokenRetentionSeconds, ctx.config.limits.refreshReuseIntervalSeconds);
      const cutoff = new Date(ctx.now.getTime() - keepSeconds * 1000);
      return deleteInBatches(ctx, tableOf(ctx.em, RefreshTokenEntity), 'rotated_at < $1', [cutoff]);
    },
  },
  {
    /**
     * Sessions that ended (revoked, past their absolute end, or idle past REFRESH_IDLE_TTL_SECONDS) more than
     * SESSION_RETENTION_DAYS ago; their refresh tokens go with them (ON DELETE CASCADE).
     */
    name: 'sessions.ended',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.maintenance.sessionRetentionDays * DAY_MS);
      const idleCutoff = new Date(cutoff.getTime() - ctx.config.limits.refreshIdleTtlSeconds * 1000);
      return deleteInBatches(ctx, tableOf(ctx.em, SessionEntity), 'revoked_at < $1 OR expires_at < $1 OR last_used_at < $2', [cutoff, idleCutoff]);
    },
  },
];
