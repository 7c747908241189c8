import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { backends } from '../support/backends';
import { insertAuditRows, sealedRows, waitSealed } from '../support/audit-chain';
import { AuditExport } from '../../src/modules/audit/audit-export';
import { Admins } from '../../src/modules/admin/admins';
import { AuditService } from '../../src/modules/audit/audit.service';
import { GENESIS_HASH, chainHash, personalDigest } from '../../src/modules/audit/audit-chain';
import { sealerLockKey } from '../../src/modules/audit/audit-sealer';
import type { SessionsService } from '../../src/modules/sessions/sessions.service';

jest.setTimeout(120_000);

const describeRealPostgres = process.env.WARDEN_TEST_EMBEDDED_PG ? describe.skip : describe;
const clock = new TestClock();
const stamp = Date.now().toString(36);
const ADMIN = `auditor.${stamp}@example.com`;
const SLOW_ADMIN = `auditor.aal1.${stamp}@example.com`;
const T0 = Date.parse('2031-03-01T10:00:00.000Z');
const minute = (n: number) => new Date(T0 + n * 60_000);
const ORG = randomUUID();
const USER = randomUUID();

type Line = Record<string, unknown> & { id: string; chainSequence: string };

const Events = gql`
  query Events($filter: AuditEventFilter, $first: Int, $after: String) {
    adminAuditEvents(filter: $filter, first: $first, after: $after) {
      nodes {
        id
        type
        outcome
        createdAt
        userId
        actorId
        organizationId
        data
        chainSequence
        prevHash
        hash
      }
      endCursor
      hasNextPage
    }
  }
` as TypedDocumentNode<
  { adminAuditEvents: { nodes: Array<Record<string, unknown> & { id: string; type: string }>; endCursor: string | null; hasNextPage: boolean } },
  { filter?: Record<string, unknown> | null; first?: number; after?: string | null }
>;
const Verify = gql`
  query Verify {
    adminVerifyAuditChain {
      ok
      checkedRows
      anchorSequence
      headSequence
      firstBrokenEventId
      firstBrokenSequence
    }
  }
` as TypedDocumentNode<{ adminVerifyAuditChain: Record<string, unknown> }, Record<string, never>>;

/**
 * adminAuditEvents, adminVerifyAuditChain and GET /admin/audit/export (contract, "Audit chain"), over HTTP with an
 * admin signed in with two factors; the threat stories of docs/threat-model.md "Audit trail" about reading.
 */
describe('audit trail for admins: queries and the NDJSON export', () => {
  let t: TestApp;
  let admin: TwoFactorUser;
  let seeded: string[];

  const exportOf = async (query: string, token: string | null = admin.client.accessToken) => {
    const response = await fetch(`${t.url}/admin/audit/export${query ? `?${query}` : ''}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const text = await response.text();
    const isNdjson = (response.headers.get('content-type') ?? '').startsWith('application/x-ndjson');
    return {
      status: response.status,
      headers: response.headers,
      lines: isNdjson
        ? text
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Line)
        : [],
      json: isNdjson ? null : (JSON.parse(text) as Record<string, unknown>),
    };
  };

  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { ADMIN_EMAILS: `${ADMIN},${SLOW_ADMIN}`, OUTBOX_POLL_INTERVAL_MS: '50' } });
    admin = await userWithAuthenticator(t, clock, ADMIN);
    await raiseToAal2(clock, admin);
    seeded = await insertAuditRows(
      t,
      Array.from({ length: 10 }, (_, i) => ({
        event: i % 2 ? 'test.beta' : 'test.alpha',
        createdAt: minute(i),
        organizationId: i < 4 ? ORG : null,
        userId: i % 3 === 0 ? USER : null,
        data: { i },
      })),
    );
    await waitSealed(t);
  });
  afterAll(() => t?.close());

  test('the export answers exactly the sealed rows in range, in chain order, with personalDigest; NDJSON, no-store', async () => {
    const out = await exportOf(`since=${minute(2).toISOString()}&until=${encodeURIComponent('2031-03-01T12:07:00+02:00')}`);
    expect(out.status).toBe(200);
    expect(out.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(out.headers.get('cache-control')).toBe('no-store');
    expect(out.lines.map((l) => l.id)).toEqual(seeded.slice(2, 7));
    const seqs = out.lines.map((l) => BigInt(l.chainSequence));
    expect(seqs).toEqual([...seqs].sort((a, b) => (a < b ? -1 : 1)));
    expect(Object.keys(out.lines[0]!).sort()).toEqual(
      [
        'actorId',
        'chainSequence',
        'createdAt',
        'data',
        'hash',
        'id',
        'ip',
        'organizationId',
        'outcome',
        'personalDigest',
        'prevHash',
        'type',
        'userAgent',
        'userId',
      ].sort(),
    );
    expect(out.lines[0]).toMatchObject({ type: 'test.alpha', createdAt: minute(2).toISOString(), data: { i: 2 }, ip: '203.0.113.7' });
    // The export itself is audited, with the admin as actor.
    const [row] = await t.app.dataSource.query(
      `SELECT user_id, actor_id, data FROM ${t.table('audit_events')} WHERE event = 'audit.exported' ORDER BY created_at DESC LIMIT 1`,
    );
    expect(row).toMatchObject({ user_id: admin.userId, actor_id: admin.userId });
  });

  test('filters: type (repeatable), organizationId, userId', async () => {
    expect((await exportOf('type=test.beta')).lines.map((l) => l.id)).toEqual(seeded.filter((_, i) => i % 2));
    expect((await exportOf('type=test.beta&type=test.alpha')).lines.map((l) => l.id)).toEqual(expect.arrayContaining(seeded));
    expect((await exportOf(`organizationId=${ORG}`)).lines.map((l) => l.id)).toEqual(seeded.slice(0, 4));
    expect((await exportOf(`userId=${USER}&type=test.alpha`)).lines.map((l) => l.id)).toEqual([seeded[0], seeded[6]]);
    expect((await exportOf(`organizationId=${randomUUID()}`)).lines).toEqual([]);
  });

  test('a bad parameter is 400 BAD_USER_INPUT naming it', async () => {
    for (const [query, field] of [
      ['since=yesterday', 'since'],
      ['until=2031-03-01', 'until'],
      ['since=2031-13-45T00:00:00Z', 'since'],
      ['userId=42', 'userId'],
      ['organizationId=x', 'organizationId'],
      [`since=${minute(0).toISOString()}&since=${minute(1).toISOString()}`, 'since'],
      [`type=${'x'.repeat(101)}`, 'type'],
      // Valid to JavaScript's Date, not to PostgreSQL's timestamptz; a NUL or control character in a type (review finding: 500s).
      ['since=0000-01-01T00:00:00Z', 'since'],
      ['until=0000-06-01T00:00:00Z', 'until'],
      ['since=9999-12-31T23:59:59-23:59', 'since'],
      ['type=%00', 'type'],
      ['type=a%07b', 'type'],
    ]) {
      const out = await exportOf(query!);
      expect([query, out.status, out.json]).toEqual([query, 400, { error: 'BAD_USER_INPUT', field }]);
    }
  });

  test('refusals: no bearer 401, a bad token 401, a non-admin 403 NOT_ADMIN, an aal1 admin 403 REAUTHENTICATION_REQUIRED, an API key 403 API_KEY', async () => {
    const none = await exportOf('', null);
    expect([none.status, none.json, none.headers.get('www-authenticate')]).toEqual([401, { error: 'UNAUTHENTICATED' }, 'Bearer']);
    expect((await exportOf('', 'not-a-token')).status).toBe(401);
    const plain = t.client();
    await signUpAndVerify(t, plain, uniqueEmail('nosy'));
    const nosy = await exportOf('', plain.accessToken);
    expect([nosy.status, nosy.json]).toEqual([403, { error: 'FORBIDDEN', reason: 'NOT_ADMIN' }]);
    const slow = t.client();
    await signUpAndVerify(t, slow, SLOW_ADMIN);
    const aal1 = await exportOf('', slow.accessToken);
    expect([aal1.status, aal1.json]).toEqual([403, { error: 'FORBIDDEN', reason: 'REAUTHENTICATION_REQUIRED', requiredAal: 'aal2' }]);
    const key = await exportOf('', `wdn_${'a'.repeat(40)}`);
    expect([key.status, key.json]).toEqual([403, { error: 'FORBIDDEN', reason: 'API_KEY' }]);
    const keyToken = ['e30', Buffer.from(JSON.stringify({ client_id: 'wdn_abc', sub: 'wdn_abc', scope: 'events:read' })).toString('base64url'), 'sig'].join(
      '.',
    );
    expect((await exportOf('', keyToken)).json).toEqual({ error: 'FORBIDDEN', reason: 'API_KEY' });
    for (const out of [none, nosy, aal1, key]) expect(out.lines).toEqual([]);
  });

  test('an impersonation token is refused 403 IMPERSONATION, even for an admin', async () => {
    // Impersonation sessions come with the admin half of #26; the route's check is Admins.requireAdmin, given here
    // a session that names an impersonator, as SessionsService.authenticate reports one.
    const admins = new Admins({ dataSource: t.app.dataSource, emails: t.app.config.settings.adminEmails, reauthMaxAgeSeconds: 300, now: clock.now });
    const sessions = {
      authenticate: async () => ({ userId: admin.userId, sessionId: randomUUID(), impersonatorId: admin.userId }),
    } as unknown as SessionsService;
    const exporter = new AuditExport({ dataSource: t.app.dataSource, admins, sessions, audit: new AuditService(t.app.dataSource), trustProxy: 0 });
    const fastify = Fastify();
    fastify.get('/x', (request, reply) => exporter.handle(request, reply, { requestId: 'r', ip: null, userAgent: null }));
    const response = await fastify.inject({ method: 'GET', url: '/x', headers: { authorization: 'Bearer a.b.c' } });
    expect([response.statusCode, response.json()]).toEqual([403, { error: 'FORBIDDEN', reason: 'IMPERSONATION' }]);
    await fastify.close();
  });

  test('a 5,000-row export streams in pages, stops at the head of its start, and verifies offline', async () => {
    await insertAuditRows(
      t,
      Array.from({ length: 5000 }, (_, i) => ({ event: 'test.bulk', data: { i, pad: 'x'.repeat(200) } })),
    );
    await waitSealed(t);
    const head = (await sealedRows(t)).at(-1)!.seq;
    const response = await fetch(`${t.url}/admin/audit/export`, { headers: { authorization: `Bearer ${admin.client.accessToken}` } });
    const reader = response.body!.getReader();
    const first = await reader.read();
    // Rows sealed while the export runs are after its head: not in it.
    const late = await insertAuditRows(
      t,
      Array.from({ length: 600 }, () => ({ event: 'test.late' })),
    );
    await waitSealed(t);
    let text = Buffer.from(first.value!).toString('utf8');
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += Buffer.from(chunk.value).toString('utf8');
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
    expect(lines.at(-1)!.chainSequence).toBe(head);
    expect(lines.some((l) => late.includes(l.id))).toBe(false);
    // Unfiltered, from the genesis: the chain recomputes from the lines alone.
    let prev = GENESIS_HASH;
    for (const [i, l] of lines.entries()) {
      expect([i, l.chainSequence]).toEqual([i, String(i + 1)]);
      const digest = personalDigest({
        userId: l.userId as string | null,
        actorId: l.actorId as string | null,
        ip: l.ip as string | null,
        userAgent: l.userAgent as string | null,
        data: l.data as Record<string, unknown>,
      });
      expect(digest).toBe(l.personalDigest);
      const core = {
        id: l.id,
        chainSequence: l.chainSequence,
        type: l.type as string,
        outcome: l.outcome as string,
        createdAt: l.createdAt as string,
        organizationId: l.organizationId as string | null,
        personalDigest: digest,
      };
      expect(l.prevHash).toBe(prev);
      expect(chainHash(prev, core)).toBe(l.hash);
      prev = l.hash as string;
    }
  });

  describeRealPostgres('rows not sealed yet', () => {
    test('are not exported (the export is of the sealed chain)', async () => {
      const holder = new Client({ connectionString: backends.databaseUrl! });
      await holder.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1::bigint)', [sealerLockKey(t.env.DATABASE_SCHEMA!)]);
        const [pending] = await insertAuditRows(t, [{ event: 'test.pending' }]);
        expect((await exportOf('type=test.pending')).lines).toEqual([]);
        expect((await t.app.dataSource.query(`SELECT chain_sequence FROM ${t.table('audit_events')} WHERE id = $1`, [pending]))[0]).toEqual({
          chain_sequence: null,
        });
      } finally {
        await holder.end();
      }
      await waitSealed(t);
      expect((await exportOf('type=test.pending')).lines).toHaveLength(1);
    });
  });

  test('adminAuditEvents: newest first, filtered (types, since, until, organizationId, userId, actorId), paginated; bad input is BAD_USER_INPUT', async () => {
    const filter = { types: ['test.alpha', 'test.beta'], since: minute(1).toISOString(), until: minute(9).toISOString() };
    const page1 = (await admin.client.query(Events, { filter, first: 3 })).adminAuditEvents;
    expect(page1.nodes.map((n) => n.id)).toEqual([seeded[8], seeded[7], seeded[6]]);
    expect(page1.hasNextPage).toBe(true);
    const page2 = (await admin.client.query(Events, { filter, first: 10, after: page1.endCursor })).adminAuditEvents;
    expect(page2.nodes.map((n) => n.id)).toEqual([seeded[5], seeded[4], seeded[3], seeded[2], seeded[1]]);
    expect(page2.hasNextPage).toBe(false);
    expect(page1.nodes[0]).toMatchObject({
      type: 'test.alpha',
      data: { i: 8 },
      chainSequence: expect.stringMatching(/^\d+$/),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const byOrg = (await admin.client.query(Events, { filter: { organizationId: ORG, userId: USER } })).adminAuditEvents;
    expect(byOrg.nodes.map((n) => n.id)).toEqual([seeded[3], seeded[0]]);
    const byActor = (await admin.client.query(Events, { filter: { actorId: admin.userId, types: ['audit.exported'] }, first: 1 })).adminAuditEvents;
    expect(byActor.nodes[0]).toMatchObject({ type: 'audit.exported', actorId: admin.userId });
    const bad = await admin.client.error(admin.client.query(Events, { filter: { userId: 'nope' } }));
    expect(bad).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'filter.userId' } });
    expect(await admin.client.error(admin.client.query(Events, { first: 101 }))).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'first' } });
  });

  test('adminVerifyAuditChain: ok on the clean chain; an edited row is reported; a non-admin is NOT_ADMIN', async () => {
    await waitSealed(t);
    const clean = (await admin.client.query(Verify)).adminVerifyAuditChain;
    expect(clean).toMatchObject({ ok: true, anchorSequence: null, firstBrokenEventId: null, firstBrokenSequence: null });
    expect(clean.checkedRows).toBe(Number(clean.headSequence));
    const victim = (await sealedRows(t))[3]!;
    await t.app.dataSource.query(`UPDATE ${t.table('audit_events')} SET data = '{"i": 3, "forged": true}' WHERE id = $1`, [victim.id]);
    const broken = (await admin.client.query(Verify)).adminVerifyAuditChain;
    expect(broken).toMatchObject({ ok: false, checkedRows: 3, firstBrokenEventId: victim.id, firstBrokenSequence: victim.seq });
    const plain = t.client();
    await signUpAndVerify(t, plain, uniqueEmail('nosy2'));
    for (const doc of [Verify, Events] as const) {
      const error = await plain.error(plain.query(doc as typeof Verify));
      expect(error).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_ADMIN' } });
    }
  });
});
