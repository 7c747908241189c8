import type { MaintenanceContext } from './maintenance-job';

/**
 * Deletes rows of `table` matching `where` (SQL over the table's columns, `$1…` bound to `params`), at most
 * ctx.batchSize per statement, until a statement deletes fewer or ctx.maxRows is reached. Each statement
 * commits on its own, so no lock is held long and an interrupted run loses nothing; closing stops between batches.
 */
export async function deleteInBatches(ctx: MaintenanceContext, table: string, where: string, params: unknown[]): Promise<number> {
  let total = 0;
  while (total < ctx.maxRows && !ctx.stopping()) {
    const limit = Math.min(ctx.batchSize, ctx.maxRows - total);
    const limitParam = `$${params.length + 1}`;
    const result: unknown = await ctx.em.query(
      `DELETE FROM ${table} WHERE ctid = ANY (ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT ${limitParam} FOR UPDATE SKIP LOCKED))`,
      [...params, limit],
    );
    const deleted = affected(result);
    total += deleted;
    if (deleted < limit) break;
  }
  return total;
}

/** TypeORM's postgres driver answers a DELETE with [rows, rowCount]. */
function affected(result: unknown): number {
  if (Array.isArray(result) && typeof result[1] === 'number') return result[1];
  return 0;
}
