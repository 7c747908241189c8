import { randomUUID } from 'node:crypto';
import type { TestApp } from './start-test-app';

/** Waits until the gateway's sealer has sealed every committed audit row. */
export async function waitSealed(t: TestApp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [{ n }] = (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('audit_events')} WHERE chain_sequence IS NULL`)) as {
      n: number;
    }[];
    if (n === 0) return;
    if (Date.now() > deadline) throw new Error(`${n} audit rows still unsealed`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface SeedRow {
  event?: string;
  userId?: string | null;
  actorId?: string | null;
  organizationId?: string | null;
  createdAt?: Date;
  data?: Record<string, unknown>;
}

/** Writes audit rows as a writer does (unsealed), in one statement; answers their ids in order. */
export async function insertAuditRows(t: TestApp, rows: readonly SeedRow[]): Promise<string[]> {
  const ids = rows.map(() => randomUUID());
  await t.app.dataSource.query(
    `INSERT INTO ${t.table('audit_events')} (id, event, outcome, user_id, actor_id, organization_id, ip, user_agent, data, created_at)
     SELECT id, event, 'success', user_id, actor_id, organization_id, '203.0.113.7', 'test-agent', data, created_at
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::jsonb[], $7::timestamptz[])
         AS v(id, event, user_id, actor_id, organization_id, data, created_at)`,
    [
      ids,
      rows.map((r) => r.event ?? 'test.recorded'),
      rows.map((r) => r.userId ?? null),
      rows.map((r) => r.actorId ?? null),
      rows.map((r) => r.organizationId ?? null),
      rows.map((r) => JSON.stringify(r.data ?? { n: 1 })),
      rows.map((r, i) => (r.createdAt ?? new Date(Date.now() + i)).toISOString()),
    ],
  );
  return ids;
}

/** The sealed rows, in chain order. */
export async function sealedRows(t: TestApp): Promise<{ id: string; seq: string; hash: string; event: string }[]> {
  return (await t.app.dataSource.query(
    `SELECT id, chain_sequence::text AS seq, hash, event FROM ${t.table('audit_events')} WHERE chain_sequence IS NOT NULL ORDER BY chain_sequence`,
  )) as { id: string; seq: string; hash: string; event: string }[];
}
