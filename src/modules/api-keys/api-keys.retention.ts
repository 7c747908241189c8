import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { ApiKeyEntity } from './api-key.entity';

/** Revoked keys, and keys expired this long ago, are deleted (expired ones stay listed until then). */
export const ENDED_API_KEY_RETENTION_DAYS = 90;

const DAY_MS = 86_400_000;

export const apiKeysRetentionJobs: MaintenanceJob[] = [
  {
    name: 'api-keys.ended',
    run: (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ENDED_API_KEY_RETENTION_DAYS * DAY_MS);
      return deleteInBatches(ctx, tableOf(ctx.em, ApiKeyEntity), 'revoked_at < $1 OR expires_at < $1', [cutoff]);
    },
  },
];
