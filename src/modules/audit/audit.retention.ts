import type { EntityManager } from 'typeorm';
import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { tableOf } from '../../db/table-of';
import { AuditChainAnchorEntity, AuditEventEntity } from './audit-event.entity';
import { sealBatch, sealerLockKey } from './audit-sealer';

const DAY_MS = 86_400_000;
const SEAL_BATCH = 1000;

/**
 * Audit events older than AUDIT_RETENTION_DAYS, sealed ones only, from the start of the chain: each statement deletes
 * the oldest sealed rows up to the first one that is still young, and moves the anchor (audit_chain_anchor) to the
 * last row it deleted, so what is left still verifies. Pending rows are sealed first (the sealer's own lock).
 */
export const auditRetentionJobs: MaintenanceJob[] = [
  {
    name: 'audit_events.expired',
    run: async (ctx) => {
      const cutoff = new Date(ctx.now.getTime() - ctx.config.maintenance.auditRetentionDays * DAY_MS);
      const lockKey = sealerLockKey(ctx.config.databaseSchema);
      for (let sealed = 0; sealed < ctx.maxRows && !ctx.stopping();) {
        const n = await ctx.em.transaction((em) => sealBatch(em, lockKey, SEAL_BATCH, undefined, true));
        sealed += n;
        if (n < SEAL_BATCH) break;
      }
      let total = 0;
      while (total < ctx.maxRows && !ctx.stopping()) {
        const limit = Math.min(ctx.batchSize, ctx.maxRows - total);
        const deleted = await deleteChainStart(ctx.em, cutoff, limit);
        total += deleted;
        if (deleted < limit) break;
      }
      return total;
    },
  },
];

/** One statement: up to `limit` sealed rows from the chain's start, stopping at the first created at or after `cutoff`. */
export async function deleteChainStart(em: EntityManager, cutoff: Date, limit: number): Promise<number> {
  const table = tableOf(em, AuditEventEntity);
  const [{ deleted }] = (await em.query(
    `WITH batch AS (
       SELECT id, chain_sequence, created_at FROM ${table} WHERE chain_sequence IS NOT NULL ORDER BY chain_sequence LIMIT $2 FOR UPDATE
     ), doomed AS (
       SELECT id FROM batch WHERE chain_sequence < COALESCE((SELECT min(chain_sequence) FROM batch WHERE created_at >= $1), 9223372036854775807)
     ), gone AS (
       DELETE FROM ${table} t USING doomed WHERE t.id = doomed.id RETURNING t.chain_sequence, t.hash
     ), anchored AS (
       INSERT INTO ${tableOf(em, AuditChainAnchorEntity)} (id, chain_sequence, hash, updated_at)
       SELECT 1, chain_sequence, hash, now() FROM gone ORDER BY chain_sequence DESC LIMIT 1
       ON CONFLICT (id) DO UPDATE SET chain_sequence = EXCLUDED.chain_sequence, hash = EXCLUDED.hash, updated_at = EXCLUDED.updated_at
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM anchored)::int AS anchored`,
    [cutoff, limit],
  )) as { deleted: number }[];
  return deleted;
}
