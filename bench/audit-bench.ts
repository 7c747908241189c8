/**
 * The audit chain's bench rows (issue #26): the NDJSON export of a large sealed chain (rows per second and the
 * gateway's RSS growth, which must stay under 50 MiB), and the chain's cost on a sign-in (verifyOtp, which writes
 * the session's audit rows) with the sealer running and held off, in alternating rounds.
 */
import { Client } from 'pg';
import type { Server } from './processes';
import { sealerLockKey } from '../src/modules/audit/audit-sealer';

/** `rows` unsealed audit rows by SQL, in batches; answers when the gateway's sealer has sealed them all. */
export async function seedAuditRows(databaseUrl: string, schema: string, rows: number, log: (line: string) => void): Promise<number> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  try {
    const started = Date.now();
    for (let done = 0; done < rows; done += 100_000) {
      await db.query(
        `INSERT INTO audit_events (id, event, outcome, user_id, ip, user_agent, data, created_at)
         SELECT gen_random_uuid(), 'bench.recorded', 'success', gen_random_uuid(), '203.0.113.9', 'bench-agent/1.0', jsonb_build_object('i', g, 'sessionId', gen_random_uuid()),
                now() - interval '1 day' + g * interval '1 microsecond'
           FROM generate_series($1::int, $2::int) g`,
        [done + 1, Math.min(rows, done + 100_000)],
      );
    }
    log(`  seeded ${rows} audit rows in ${((Date.now() - started) / 1000).toFixed(1)} s; waiting for the sealer`);
    const sealStart = Date.now();
    await waitSealed(databaseUrl, schema);
    const seconds = (Date.now() - sealStart) / 1000;
    log(`  sealed in ${seconds.toFixed(1)} s (${(rows / seconds).toFixed(0)} rows/s)`);
    return rows / seconds;
  } finally {
    await db.end();
  }
}

/** Makes the session of `email` an aal2 session (the admin check reads the session row), for the export's bearer. */
export async function raiseSession(databaseUrl: string, schema: string, email: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  try {
    await db.query(`UPDATE sessions SET aal = 'aal2' WHERE user_id = (SELECT id FROM users WHERE email = $1)`, [email]);
  } finally {
    await db.end();
  }
}

export interface ExportFigures {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssGrowthMiB: number;
  /** V8 heap in use (from /metrics) before and at its highest sample: growth that is garbage shows here too. */
  heapUsedBeforeMiB: number | null;
  heapUsedPeakMiB: number | null;
  /** RSS after a full collection once the export ended: what the export left behind. */
  rssAfterGcMiB: number | null;
}

/**
 * GET /admin/audit/export read to the end (as a client would, draining it), sampling the gateway's RSS every 100 ms
 * and its V8 heap in use (`heapUsedMiB`, read from /metrics) every 250 ms.
 */
export async function measureExport(gateway: Server, accessToken: string, heapUsedMiB?: () => Promise<number>): Promise<ExportFigures> {
  const rssBeforeMiB = gateway.rssMiB();
  let rssPeakMiB = rssBeforeMiB;
  const heapUsedBeforeMiB = heapUsedMiB ? await heapUsedMiB() : null;
  let heapUsedPeakMiB = heapUsedBeforeMiB;
  const sampler = setInterval(() => (rssPeakMiB = Math.max(rssPeakMiB, gateway.rssMiB())), 100);
  const heapSampler = heapUsedMiB
    ? setInterval(() => {
        void heapUsedMiB()
          .then((used) => (heapUsedPeakMiB = Math.max(heapUsedPeakMiB ?? 0, used)))
          .catch(() => undefined);
      }, 250)
    : null;
  const started = Date.now();
  try {
    const response = await fetch(`${gateway.url}/admin/audit/export`, { headers: { authorization: `Bearer ${accessToken}` } });
    if (response.status !== 200) throw new Error(`export answered ${response.status}: ${await response.text()}`);
    const reader = response.body!.getReader();
    let rows = 0;
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      for (const byte of chunk.value) if (byte === 10) rows++;
    }
    const seconds = (Date.now() - started) / 1000;
    clearInterval(sampler);
    if (heapSampler) clearInterval(heapSampler);
    await gateway.collectGarbage();
    await new Promise((r) => setTimeout(r, 500));
    return {
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      rssBeforeMiB,
      rssPeakMiB,
      rssGrowthMiB: rssPeakMiB - rssBeforeMiB,
      heapUsedBeforeMiB,
      heapUsedPeakMiB,
      rssAfterGcMiB: gateway.rssMiB(),
    };
  } finally {
    clearInterval(sampler);
    if (heapSampler) clearInterval(heapSampler);
  }
}

/** Holds the sealer's lock from outside (sealer off) until released. */
export async function holdSealer(databaseUrl: string, schema: string): Promise<() => Promise<void>> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  await db.query('SELECT pg_advisory_lock($1::bigint)', [sealerLockKey(schema)]);
  return async () => {
    await db.query('SELECT pg_advisory_unlock($1::bigint)', [sealerLockKey(schema)]);
    await db.end();
  };
}

/** Until the gateway's sealer has sealed every committed row. */
export async function waitSealed(databaseUrl: string, schema: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl, options: `-c search_path=${schema},public` });
  await db.connect();
  try {
    for (;;) {
      const { rows } = await db.query(`SELECT count(*)::int AS n FROM audit_events WHERE chain_sequence IS NULL`);
      if (rows[0].n === 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await db.end();
  }
}
