import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { MagicLinkTokenEntity } from './magic-link-token.entity';

const HOUR_MS = 3600_000;

/** Sign-in links that expired or were used more than CODE_RETENTION_HOURS ago. */
export const magicLinkRetentionJobs: MaintenanceJob[] = [
  {
    name: 'magic_link_tokens.ended',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.maintenance.codeRetentionHours * HOUR_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, MagicLinkTokenEntity), 'expires_at < $1 OR consumed_at < $1', [cutoff]);
    },
  },
];
