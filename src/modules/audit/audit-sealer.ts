import { backgroundPollers } from '../../kernel/background';
import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { tableOf } from '../../db/table-of';
import { withTransaction } from '../../db/transaction';
import { AuditChainAnchorEntity, AuditEventEntity } from './audit-event.entity';
import { CHAIN_COLUMNS, GENESIS_HASH, chainHash, coreOf, personalDigest, type ChainRow } from './audit-chain';

/** Advisory-lock key of the sealer of one deployment: instances sharing a schema share it. */
export function sealerLockKey(schema: string | null): string {
  return createHash('sha256')
    .update(`warden:audit-sealer:${schema ?? ''}`)
    .digest()
    .readBigInt64BE(0)
    .toString();
}

/** The last sealed row (sequence, hash), else the anchor retention left, else the genesis (0, 64 zeros). */
export async function chainHead(em: EntityManager): Promise<{ sequence: string; hash: string }> {
  const [head] = (await em.query(
    `SELECT chain_sequence::text AS sequence, hash FROM ${tableOf(em, AuditEventEntity)} WHERE chain_sequence IS NOT NULL ORDER BY chain_sequence DESC LIMIT 1`,
  )) as { sequence: string; hash: string }[];
  if (head) return head;
  const anchor = await chainAnchor(em);
  return anchor ?? { sequence: '0', hash: GENESIS_HASH };
}

export async function chainAnchor(em: EntityManager): Promise<{ sequence: string; hash: string } | null> {
  const [anchor] = (await em.query(`SELECT chain_sequence::text AS sequence, hash FROM ${tableOf(em, AuditChainAnchorEntity)} WHERE id = 1`)) as {
    sequence: string;
    hash: string;
  }[];
  return anchor ?? null;
}

export interface AuditSealerDeps {
  dataSource: DataSource;
  schema: string | null;
  intervalMs: number;
  logger: Logger;
  /** Rows per transaction. */
  batchSize?: number;
}

/**
 * Chains committed audit rows every OUTBOX_POLL_INTERVAL_MS, on one instance at a time. Writers never number rows:
 * each pass takes `pg_try_advisory_xact_lock` (another instance holding it: skip), reads the head, and seals the
 * committed unsealed rows in (created_at, id) order. A row whose transaction commits later is sealed by a later pass
 * with a higher sequence: the chain's order is the order rows were sealed in, one total order whatever the writers.
 */
export class AuditSealer {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private closed = false;
  private paused = false;
  private readonly lockKey: string;
  private readonly unregister: () => void;

  constructor(private readonly deps: AuditSealerDeps) {
    this.lockKey = sealerLockKey(deps.schema);
    this.unregister = backgroundPollers.register(this);
  }

  start(): void {
    if (this.closed || this.paused || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.sealPending()
        .catch((err) => this.deps.logger.error({ err }, 'audit sealer failed'))
        .finally(() => this.start());
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  /** Seals until no committed row is left unsealed (or another instance holds the lock); answers how many. */
  async sealPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const sealed = await this.sealOnce();
      total += sealed;
      if (sealed < (this.deps.batchSize ?? 1000) || this.closed) return total;
    }
  }

  /** One transaction: up to batchSize rows; 0 when none is pending, another pass runs here or another instance seals. */
  sealOnce(): Promise<number> {
    if (this.closed || this.running) return Promise.resolve(0);
    const run = withTransaction(this.deps.dataSource, (em) => this.seal(em)).finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /** Stops the timer and waits for a pass in flight (backgroundPollers). */
  async pause(): Promise<void> {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unregister();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  private seal(em: EntityManager): Promise<number> {
    return sealBatch(em, this.lockKey, this.deps.batchSize ?? 1000, this.deps.logger);
  }
}

/**
 * One pass of the sealer in `em`'s transaction: takes the sealer's transaction-scoped advisory lock (another holder:
 * 0; `wait`: wait for it), then numbers and hashes up to `batchSize` committed unsealed rows after the head. Also run
 * (waiting) by the retention sweep before it deletes, so old rows are never stuck unsealed behind a stopped sealer.
 */
export async function sealBatch(em: EntityManager, lockKey: string, batchSize: number, logger?: Logger, wait = false): Promise<number> {
  if (wait) await em.query('SELECT pg_advisory_xact_lock($1::bigint)', [lockKey]);
  else {
    const [{ locked }] = (await em.query('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [lockKey])) as { locked: boolean }[];
    if (!locked) return 0;
  }
  const table = tableOf(em, AuditEventEntity);
  const rows = (await em.query(`SELECT ${CHAIN_COLUMNS} FROM ${table} WHERE chain_sequence IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE`, [
    batchSize,
  ])) as ChainRow[];
  if (rows.length === 0) return 0;
  const head = await chainHead(em);
  let sequence = BigInt(head.sequence);
  let prev = head.hash;
  const out = { id: [] as string[], seq: [] as string[], prev: [] as string[], hash: [] as string[], digest: [] as string[], at: [] as string[] };
  for (const row of rows) {
    sequence += 1n;
    // Millisecond precision is what the hash covers (RFC 3339 with milliseconds): the stored time is cut to it.
    row.createdAt = new Date(row.createdAt.getTime());
    const digest = personalDigest(row);
    const hash = chainHash(prev, coreOf(row, sequence.toString(), digest));
    out.id.push(row.id);
    out.seq.push(sequence.toString());
    out.prev.push(prev);
    out.hash.push(hash);
    out.digest.push(digest);
    out.at.push(row.createdAt.toISOString());
    prev = hash;
  }
  await em.query(
    `UPDATE ${table} a SET chain_sequence = v.seq, prev_hash = v.prev, hash = v.hash, personal_digest = v.digest, created_at = v.at
      FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS v(id, seq, prev, hash, digest, at)
      WHERE a.id = v.id`,
    [out.id, out.seq, out.prev, out.hash, out.digest, out.at],
  );
  logger?.info({ rows: rows.length, headSequence: sequence.toString(), headHash: prev }, 'audit chain sealed');
  return rows.length;
}
