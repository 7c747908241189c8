import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { backends } from '../support/backends';
import { insertAuditRows, sealedRows, waitSealed } from '../support/audit-chain';
import { verifyAuditChain } from '../../src/modules/audit/audit-verify';
import { anonymiseAuditRowsOf } from '../../src/modules/audit/audit-rows';
import { deleteChainStart } from '../../src/modules/audit/audit.retention';
import { GENESIS_HASH } from '../../src/modules/audit/audit-chain';
import { sealerLockKey } from '../../src/modules/audit/audit-sealer';
import { auditVerify } from '../../src/cli/audit-verify';
import { AuditService } from '../../src/modules/audit/audit.service';
import { AuditEvents } from '../../src/modules/audit/audit-events';

const describeRealPostgres = process.env.WARDEN_TEST_EMBEDDED_PG ? describe.skip : describe;
const FAST = { OUTBOX_POLL_INTERVAL_MS: '50' };

describe('the audit chain: sealing, verification and tampering (docs/threat-model.md "Audit trail")', () => {
  let t: TestApp;
  const verify = () => verifyAuditChain(t.app.dataSource.manager);
  const q = (sql: string, params: unknown[] = []) => t.app.dataSource.query(sql, params) as Promise<Record<string, unknown>[]>;

  beforeAll(async () => {
    t = await startTestApp({ env: FAST });
    await insertAuditRows(
      t,
      Array.from({ length: 12 }, (_, i) => ({ event: `test.row_${i}`, userId: randomUUID(), data: { i } })),
    );
    await waitSealed(t);
  });
  afterAll(() => t?.close());

  test('the sealer numbers committed rows from 1, chains them from the genesis, and a clean chain verifies', async () => {
    const rows = await q(`SELECT chain_sequence::text AS seq, prev_hash, hash, personal_digest FROM ${t.table('audit_events')} ORDER BY chain_sequence`);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => String(i + 1)));
    expect(rows[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.prev_hash).toBe(rows[i - 1]!.hash);
    for (const r of rows) expect(r.hash).toMatch(/^[0-9a-f]{64}$/);
    const result = await verify();
    expect(result).toEqual({
      ok: true,
      checkedRows: rows.length,
      anchorSequence: null,
      headSequence: String(rows.length),
      firstBrokenEventId: null,
      firstBrokenSequence: null,
    });
  });

  test('npm run audit:verify prints the same object; exit 0 on a clean table, 1 on a tampered one, 2 when it cannot run', async () => {
    const env = { ...process.env, ...t.env };
    const clean = await auditVerify(env);
    expect(clean.code).toBe(0);
    expect(JSON.parse(clean.stdout)).toEqual(await verify());
    const [victim] = await sealedRows(t);
    await q(`UPDATE ${t.table('audit_events')} SET outcome = 'failure' WHERE id = $1`, [victim!.id]);
    try {
      const broken = await auditVerify(env);
      expect(broken.code).toBe(1);
      expect(JSON.parse(broken.stdout)).toMatchObject({ ok: false, firstBrokenEventId: victim!.id, firstBrokenSequence: victim!.seq });
    } finally {
      await q(`UPDATE ${t.table('audit_events')} SET outcome = 'success' WHERE id = $1`, [victim!.id]);
    }
    expect((await auditVerify(env)).code).toBe(0);
    const noDb = await auditVerify({ ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nowhere' });
    expect(noDb.code).toBe(2);
    expect(noDb.stdout).toBe('');
  });

  test.each([
    ['type', `event = 'session.revoked'`],
    ['time', `created_at = created_at - interval '1 hour'`],
    ['organization', `organization_id = gen_random_uuid()`],
    ['data', `data = '{"i": 999}'::jsonb`],
    ['actor', `actor_id = gen_random_uuid()`],
    ['prevHash', `prev_hash = repeat('1', 64)`],
  ])("editing a sealed row's %s is found: firstBrokenEventId is that row", async (_what, set) => {
    const victim = (await sealedRows(t))[5]!;
    const before = (await q(`SELECT * FROM ${t.table('audit_events')} WHERE id = $1`, [victim.id]))[0]!;
    await q(`UPDATE ${t.table('audit_events')} SET ${set} WHERE id = $1`, [victim.id]);
    try {
      expect(await verify()).toMatchObject({ ok: false, checkedRows: 5, firstBrokenEventId: victim.id, firstBrokenSequence: victim.seq });
    } finally {
      await q(
        `UPDATE ${t.table('audit_events')} SET event = $2, created_at = $3, organization_id = $4, data = $5::jsonb, actor_id = $6, prev_hash = $7 WHERE id = $1`,
        [victim.id, before.event, before.created_at, before.organization_id, JSON.stringify(before.data), before.actor_id, before.prev_hash],
      );
    }
    expect((await verify()).ok).toBe(true);
  });

  test('deleting a sealed row is found as the first gap (the row after it)', async () => {
    const rows = await sealedRows(t);
    const victim = (await q(`SELECT * FROM ${t.table('audit_events')} WHERE id = $1`, [rows[3]!.id]))[0]!;
    await q(`DELETE FROM ${t.table('audit_events')} WHERE id = $1`, [victim.id]);
    try {
      expect(await verify()).toMatchObject({ ok: false, checkedRows: 3, firstBrokenEventId: rows[4]!.id, firstBrokenSequence: rows[4]!.seq });
    } finally {
      await restore(victim);
    }
    expect((await verify()).ok).toBe(true);
  });

  test('a forged row inserted mid-chain (the rows after it renumbered) is found', async () => {
    const rows = await sealedRows(t);
    const table = t.table('audit_events');
    const at = rows[6]!;
    const forged = randomUUID();
    // Shift rows 7.. up by one (in two steps, past the unique index), then put a well-formed row at 7 chained on 6.
    await q(`UPDATE ${table} SET chain_sequence = -chain_sequence - 1 WHERE chain_sequence >= $1`, [at.seq]);
    await q(`UPDATE ${table} SET chain_sequence = -chain_sequence WHERE chain_sequence < 0`);
    await q(
      `INSERT INTO ${table} (id, event, outcome, data, chain_sequence, prev_hash, hash, personal_digest) VALUES ($1, 'user.banned', 'success', '{}', $2, $3, $4, $5)`,
      [forged, at.seq, rows[5]!.hash, 'f'.repeat(64), 'e'.repeat(64)],
    );
    try {
      expect(await verify()).toMatchObject({ ok: false, checkedRows: 6, firstBrokenEventId: forged, firstBrokenSequence: at.seq });
    } finally {
      await q(`DELETE FROM ${table} WHERE id = $1`, [forged]);
      await q(`UPDATE ${table} SET chain_sequence = -(chain_sequence - 1) WHERE chain_sequence > $1`, [at.seq]);
      await q(`UPDATE ${table} SET chain_sequence = -chain_sequence WHERE chain_sequence < 0`);
    }
    expect((await verify()).ok).toBe(true);
  });

  test("swapping two rows' places in the chain is found", async () => {
    const rows = await sealedRows(t);
    const table = t.table('audit_events');
    const [a, b] = [rows[2]!, rows[8]!];
    const swap = async (x: typeof a, y: typeof a) => {
      await q(`UPDATE ${table} SET chain_sequence = -1 WHERE id = $1`, [x.id]);
      await q(`UPDATE ${table} SET chain_sequence = $2 WHERE id = $1`, [y.id, x.seq]);
      await q(`UPDATE ${table} SET chain_sequence = $2 WHERE id = $1`, [x.id, y.seq]);
    };
    await swap(a, b);
    try {
      expect(await verify()).toMatchObject({ ok: false, checkedRows: 2, firstBrokenEventId: b.id, firstBrokenSequence: a.seq });
    } finally {
      await swap({ ...a, seq: b.seq }, { ...b, seq: a.seq });
    }
    expect((await verify()).ok).toBe(true);
  });

  test("anonymising an erased account's sealed rows keeps the chain verifying; editing an anonymised row is still found", async () => {
    const userId = randomUUID();
    const ids = await insertAuditRows(t, [
      { event: 'session.created', userId, actorId: randomUUID(), data: { sessionId: 's' } },
      { event: 'session.revoked', userId, data: { reason: 'logout' } },
    ]);
    await waitSealed(t);
    await anonymiseAuditRowsOf(t.app.dataSource.manager, [userId]);
    const rows = await q(`SELECT user_id, actor_id, ip, user_agent, data, personal_digest FROM ${t.table('audit_events')} WHERE id = ANY($1::uuid[])`, [ids]);
    for (const r of rows) expect(r).toMatchObject({ user_id: null, actor_id: null, ip: null, user_agent: null, data: {} });
    for (const r of rows) expect(r.personal_digest).toMatch(/^[0-9a-f]{64}$/);
    expect(await verify()).toMatchObject({ ok: true });
    await q(`UPDATE ${t.table('audit_events')} SET event = 'session.refreshed' WHERE id = $1`, [ids[1]]);
    try {
      expect(await verify()).toMatchObject({ ok: false, firstBrokenEventId: ids[1] });
    } finally {
      await q(`UPDATE ${t.table('audit_events')} SET event = 'session.revoked' WHERE id = $1`, [ids[1]]);
    }
  });

  async function restore(row: Record<string, unknown>): Promise<void> {
    await q(
      `INSERT INTO ${t.table('audit_events')} (id, event, outcome, user_id, actor_id, organization_id, ip, user_agent, data, created_at, chain_sequence, prev_hash, hash, personal_digest)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13, $14)`,
      [
        row.id,
        row.event,
        row.outcome,
        row.user_id,
        row.actor_id,
        row.organization_id,
        row.ip,
        row.user_agent,
        JSON.stringify(row.data),
        row.created_at,
        row.chain_sequence,
        row.prev_hash,
        row.hash,
        row.personal_digest,
      ],
    );
  }
});

describe('retention and the anchor', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...FAST, AUDIT_RETENTION_DAYS: '7' } });
  });
  afterAll(() => t?.close());

  test('retention deletes sealed rows oldest first and the anchor keeps the chain verifiable; it stops at the first young row', async () => {
    const day = 86_400_000;
    const old = await insertAuditRows(
      t,
      Array.from({ length: 5 }, (_, i) => ({ createdAt: new Date(Date.now() - 30 * day + i) })),
    );
    const young = await insertAuditRows(t, [{ createdAt: new Date(Date.now() - 1 * day) }]);
    // Old again, but sealed after a young row: deleting it would leave a hole, so it waits for the young one.
    const lateOld = await insertAuditRows(t, [{ createdAt: new Date(Date.now() - 1 * day + 1) }]);
    await waitSealed(t);
    await t.app.dataSource.query(`UPDATE ${t.table('audit_events')} SET created_at = now() - interval '20 days' WHERE id = $1`, [lateOld[0]]);
    const fifth = (await sealedRows(t)).find((r) => r.id === old[4])!;
    const result = await t.app.maintenance.runOnce();
    expect(result.status === 'ran' && result.deleted['audit_events.expired']).toBe(5);
    const left = await sealedRows(t);
    expect(left.map((r) => r.id)).toEqual([young[0], lateOld[0]]);
    const anchor = (await t.app.dataSource.query(`SELECT chain_sequence::text AS seq, hash FROM ${t.table('audit_chain_anchor')}`)) as {
      seq: string;
      hash: string;
    }[];
    expect(anchor).toEqual([{ seq: fifth.seq, hash: fifth.hash }]);
    // lateOld's time was edited above, so the chain breaks exactly there: everything before it verifies from the anchor.
    expect(await verifyAuditChain(t.app.dataSource.manager)).toMatchObject({
      ok: false,
      anchorSequence: fifth.seq,
      checkedRows: 1,
      firstBrokenEventId: lateOld[0],
    });
    await t.app.dataSource.query(`DELETE FROM ${t.table('audit_events')} WHERE id = $1`, [lateOld[0]]);
    expect(await verifyAuditChain(t.app.dataSource.manager)).toEqual({
      ok: true,
      checkedRows: 1,
      anchorSequence: fifth.seq,
      headSequence: left[0]!.seq,
      firstBrokenEventId: null,
      firstBrokenSequence: null,
    });
  });

  describeRealPostgres('with the sealer held off', () => {
    test('an unsealed old row is never deleted', async () => {
      const holder = new Client({ connectionString: backends.databaseUrl! });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [sealerLockKey(t.env.DATABASE_SCHEMA!)]);
        const [id] = await insertAuditRows(t, [{ createdAt: new Date(Date.now() - 40 * 86_400_000) }]);
        await new Promise((r) => setTimeout(r, 200));
        expect(await deleteChainStart(t.app.dataSource.manager, new Date(Date.now() - 35 * 86_400_000), 100)).toBe(0);
        expect((await t.app.dataSource.query(`SELECT chain_sequence FROM ${t.table('audit_events')} WHERE id = $1`, [id]))[0]).toEqual({
          chain_sequence: null,
        });
      } finally {
        await holder.end();
      }
    });
  });
});

describeRealPostgres('two gateways sealing one schema', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ env: FAST });
    b = await startTestApp({ env: FAST, shareWith: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  test('two sealers racing over concurrent writers: one chain, no gap, no duplicate', async () => {
    const writers = [new AuditService(a.app.dataSource), new AuditService(b.app.dataSource)];
    for (let round = 0; round < 10; round++) {
      await Promise.all(Array.from({ length: 20 }, (_, i) => writers[i % 2]!.recordAlone({ event: AuditEvents.deliveryFailed, data: { round, i } })));
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitSealed(a);
    const rows = await sealedRows(a);
    expect(rows).toHaveLength(200);
    expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => String(i + 1)));
    expect(await verifyAuditChain(b.app.dataSource.manager)).toMatchObject({ ok: true, checkedRows: 200, headSequence: '200' });
  });
});
