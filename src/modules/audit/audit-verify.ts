import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { AuditEventEntity } from './audit-event.entity';
import { CHAIN_COLUMNS, GENESIS_HASH, chainHash, coreOf, isAnonymised, personalDigest, type ChainRow } from './audit-chain';
import { chainAnchor } from './audit-sealer';

/** GraphQL's AuditChainVerification, and what `npm run audit:verify` prints. */
export interface ChainVerification {
  ok: boolean;
  checkedRows: number;
  anchorSequence: string | null;
  headSequence: string | null;
  firstBrokenEventId: string | null;
  firstBrokenSequence: string | null;
}

const PAGE = 1000;

/**
 * Recomputes the sealed chain from the anchor (or the genesis) up to the head read at the start, in keyset pages
 * (no transaction held: the embedded database has one connection). A row breaks the chain when its sequence is
 * not the previous one + 1 (a gap), its prevHash is not the previous row's hash, its personal fields do not hash
 * to its personalDigest (unless erasure cleared them all), or its hash does not match. Retention moving the anchor
 * during the walk can look like a gap: then the walk starts again, once.
 */
export async function verifyAuditChain(em: EntityManager, retried = false): Promise<ChainVerification> {
  const table = tableOf(em, AuditEventEntity);
  const anchor = await chainAnchor(em);
  const [{ head }] = (await em.query(`SELECT max(chain_sequence)::text AS head FROM ${table}`)) as { head: string | null }[];
  const result: ChainVerification = {
    ok: true,
    checkedRows: 0,
    anchorSequence: anchor?.sequence ?? null,
    headSequence: head ?? anchor?.sequence ?? null,
    firstBrokenEventId: null,
    firstBrokenSequence: null,
  };
  if (head === null) return result;
  let expected = BigInt(anchor?.sequence ?? '0') + 1n;
  let prev = anchor?.hash ?? GENESIS_HASH;
  let after = anchor?.sequence ?? '0';
  for (;;) {
    const rows = (await em.query(`SELECT ${CHAIN_COLUMNS} FROM ${table} WHERE chain_sequence > $1 AND chain_sequence <= $2 ORDER BY chain_sequence LIMIT $3`, [
      after,
      head,
      PAGE,
    ])) as ChainRow[];
    for (const row of rows) {
      const sequence = row.chainSequence!;
      if (!rowVerifies(row, expected, prev)) {
        const moved = (await chainAnchor(em))?.sequence ?? null;
        if (!retried && moved !== result.anchorSequence) return verifyAuditChain(em, true);
        return { ...result, ok: false, firstBrokenEventId: row.id, firstBrokenSequence: sequence };
      }
      result.checkedRows += 1;
      expected += 1n;
      prev = row.hash!;
      after = sequence;
    }
    if (rows.length < PAGE) return result;
  }
}

function rowVerifies(row: ChainRow, expected: bigint, prev: string): boolean {
  if (row.chainSequence === null || BigInt(row.chainSequence) !== expected) return false;
  if (row.prevHash !== prev || !row.personalDigest || !row.hash) return false;
  if (!isAnonymised(row) && personalDigest(row) !== row.personalDigest) return false;
  return chainHash(prev, coreOf(row, row.chainSequence, row.personalDigest)) === row.hash;
}
