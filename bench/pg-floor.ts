import { randomBytes, randomUUID } from 'node:crypto';
import { Pool, type PoolClient } from 'pg';
import { cpuSnapshot, type CpuSnapshot } from './cpu-accounting';

/**
 * What PostgreSQL alone allows on this machine: a raw `pg` pool (the gateway's pool size) running, in a
 * closed loop on `connections` workers, the minimal transaction each operation needs:
 * - refresh: lock the session with its token, insert the new token, mark the old one rotated;
 * - verifyOtp: the conditional consume of a challenge and the session insert.
 * No HTTP, no GraphQL, no hashing, no Redis: the floor the gateway's figure is compared with.
 */
export interface FloorResult {
  name: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
  durationSeconds: number;
}

const percentile = (sorted: number[], p: number) => (sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!) : 0);

async function closedLoop(
  name: string,
  connections: number,
  durationSeconds: number,
  op: (worker: number) => Promise<void>,
  done: () => boolean = () => false,
): Promise<FloorResult> {
  const latencies: number[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = started + durationSeconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, worker) => {
      while (performance.now() < deadline && !done()) {
        const t0 = performance.now();
        try {
          await op(worker);
          latencies.push(performance.now() - t0);
        } catch {
          failed += 1;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    requestsPerSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    ok: latencies.length,
    failed,
    durationSeconds: elapsed,
  };
}

async function inTransaction(pool: Pool, fn: (client: PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await fn(client);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export async function measureFloors(options: {
  databaseUrl: string;
  schema: string;
  poolSize: number;
  connections: number;
  refreshSeconds: number;
  verifyAmount: number;
  log: (line: string) => void;
  /** Told of each floor with CPU snapshots taken around its loop (bench/cpu-accounting.ts). */
  onMeasured?: (result: FloorResult, before: CpuSnapshot, after: CpuSnapshot) => void;
}): Promise<FloorResult[]> {
  const { schema } = options;
  const t = (name: string) => `"${schema}"."${name}"`;
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize });
  const results: FloorResult[] = [];
  const accounted = async (run: () => Promise<FloorResult>) => {
    const before = cpuSnapshot();
    const result = await run();
    options.onMeasured?.(result, before, cpuSnapshot());
    results.push(result);
  };
  try {
    const userIds = (await pool.query(`SELECT id FROM ${t('users')} LIMIT 100`)).rows.map((r: { id: string }) => r.id);
    // One session per worker, each with a live refresh token: a chain each worker rotates.
    const chains: string[] = [];
    for (let i = 0; i < options.connections; i++) {
      const sessionId = randomUUID();
      const tokenId = randomUUID();
      await pool.query(
        `INSERT INTO ${t('sessions')} (id, user_id, last_used_at, expires_at, aal, amr, last_authenticated_at)
         VALUES ($1, $2, now(), now() + interval '30 days', 'aal1', '{email}', now())`,
        [sessionId, userIds[i % userIds.length]],
      );
      await pool.query(`INSERT INTO ${t('refresh_tokens')} (id, session_id, secret_hash) VALUES ($1, $2, $3)`, [
        tokenId,
        sessionId,
        randomBytes(32).toString('base64url'),
      ]);
      chains.push(tokenId);
    }
    options.log(`floor: raw pg refresh transaction, ${options.refreshSeconds} s, ${options.connections} workers, pool ${options.poolSize}`);
    await accounted(() =>
      closedLoop('floor: raw pg refresh transaction', options.connections, options.refreshSeconds, (worker) =>
        inTransaction(pool, async (client) => {
          const current = chains[worker]!;
          const locked = await client.query(
            `SELECT t.session_id FROM ${t('refresh_tokens')} t JOIN ${t('sessions')} s ON s.id = t.session_id
             WHERE t.id = $1 AND t.rotated_at IS NULL FOR UPDATE OF t, s`,
            [current],
          );
          if (locked.rowCount !== 1) throw new Error('token not live');
          const next = randomUUID();
          await client.query(`INSERT INTO ${t('refresh_tokens')} (id, session_id, secret_hash) VALUES ($1, $2, $3)`, [
            next,
            locked.rows[0].session_id,
            randomBytes(32).toString('base64url'),
          ]);
          await client.query(`UPDATE ${t('refresh_tokens')} SET rotated_at = now() WHERE id = $1`, [current]);
          chains[worker] = next;
        }),
      ),
    );

    // Fresh challenges, each consumed once, as the gateway's verifyOtp scenario does.
    const challengeIds = Array.from({ length: options.verifyAmount }, () => randomUUID());
    await pool.query(
      `INSERT INTO ${t('otp_challenges')} (id, user_id, channel, purpose, destination, code_hash, expires_at, last_sent_at)
       SELECT id, $2, 'EMAIL', 'LOGIN', 'floor@bench.test', 'x', now() + interval '10 minutes', now() FROM unnest($1::uuid[]) AS id`,
      [challengeIds, userIds[0]],
    );
    let next = 0;
    options.log(`floor: raw pg verifyOtp transaction, ${challengeIds.length} challenges, ${options.connections} workers`);
    await accounted(() =>
      closedLoop(
        'floor: raw pg verifyOtp transaction',
        options.connections,
        600,
        async () => {
          const id = challengeIds[next++]!;
          await inTransaction(pool, async (client) => {
            const consumed = await client.query(
              `UPDATE ${t('otp_challenges')} SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL AND expires_at > now() RETURNING user_id`,
              [id],
            );
            if (consumed.rowCount !== 1) throw new Error('challenge not live');
            await client.query(
              `INSERT INTO ${t('sessions')} (id, user_id, last_used_at, expires_at, aal, amr, last_authenticated_at)
           VALUES ($1, $2, now(), now() + interval '30 days', 'aal1', '{email}', now())`,
              [randomUUID(), consumed.rows[0].user_id],
            );
          });
        },
        () => next >= challengeIds.length,
      ),
    );
    return results;
  } finally {
    await pool.end();
  }
}
