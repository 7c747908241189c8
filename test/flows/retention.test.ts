import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { backends } from '../support/backends';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { LogoutDocument, RefreshSessionDocument, RequestMagicLinkDocument, RequestPasswordResetDocument, SignupDocument } from '../graphql/generated/graphql';
import { maintenanceLockKey } from '../../src/maintenance/maintenance-runner';

// Embedded PGlite (no DATABASE_URL) serves every connection as one session, where advisory locks are
// re-entrant: instances cannot be told apart there, so the lock tests need a real PostgreSQL server.
const describeRealPostgres = process.env.WARDEN_TEST_EMBEDDED_PG ? describe.skip : describe;

const HOUR = 3600;
const DAY = 24 * HOUR;

/** Raw SQL beside the app, as an operator would look at the tables. */
async function sql(t: TestApp, text: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: backends.databaseUrl! });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

async function exists(t: TestApp, table: string, id: string, column = 'id'): Promise<boolean> {
  const rows = await sql(t, `SELECT 1 FROM ${t.table(table)} WHERE ${column} = $1`, [id]);
  return rows.length > 0;
}

async function sessionOf(t: TestApp, refreshToken: string): Promise<string> {
  const [row] = await sql(t, `SELECT session_id FROM ${t.table('refresh_tokens')} WHERE id = $1`, [refreshToken.split('.')[0]]);
  return row!.session_id as string;
}

async function run(t: TestApp): Promise<Record<string, number>> {
  const result = await t.app.maintenance.runOnce();
  if (result.status !== 'ran') throw new Error(`maintenance did not run: ${result.status}`);
  expect(result.failed).toEqual([]);
  return result.deleted;
}

describe('retention: each table is swept after its period, fresher rows stay', () => {
  const clock = new TestClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        CODE_RETENTION_HOURS: '24',
        REFRESH_REUSE_INTERVAL: '10',
        REFRESH_ROTATED_RETENTION_SECONDS: '60',
        SESSION_RETENTION_DAYS: '2',
        AUDIT_RETENTION_DAYS: '7',
        UNVERIFIED_ACCOUNT_TTL_DAYS: '7',
      },
    });
  });
  afterAll(() => t.close());

  test('OTP challenges: a used code goes CODE_RETENTION_HOURS after use, an expired one that long after expiry', async () => {
    const used = uniqueEmail('used');
    await signUpAndVerify(t, t.client(), used);
    const [usedRow] = await sql(t, `SELECT id FROM ${t.table('otp_challenges')} WHERE destination = $1`, [used]);
    clock.advance(23 * HOUR);
    const pendingEmail = uniqueEmail('pending');
    const { signup } = await t.client().request(SignupDocument, { input: { email: pendingEmail, password: PASSWORD } });
    await run(t);
    expect(await exists(t, 'otp_challenges', usedRow!.id as string)).toBe(true);
    expect(await exists(t, 'otp_challenges', signup.challengeId)).toBe(true);

    clock.advance(2 * HOUR); // used 25 h ago; the pending one expired 1 h 50 min ago
    const deleted = await run(t);
    expect(deleted['otp_challenges.ended']).toBeGreaterThanOrEqual(1);
    expect(await exists(t, 'otp_challenges', usedRow!.id as string)).toBe(false);
    expect(await exists(t, 'otp_challenges', signup.challengeId)).toBe(true);

    clock.advance(23 * HOUR); // expired 24 h 50 min ago
    await run(t);
    expect(await exists(t, 'otp_challenges', signup.challengeId)).toBe(false);
  });

  test('magic-link tokens: gone CODE_RETENTION_HOURS after they expired; a newer one stays', async () => {
    const email = uniqueEmail('link');
    await signUpAndVerify(t, t.client(), email);
    const [user] = await sql(t, `SELECT id FROM ${t.table('users')} WHERE email = $1`, [email]);
    await t.client().request(RequestMagicLinkDocument, { input: { email } });
    const [old] = await sql(t, `SELECT id FROM ${t.table('magic_link_tokens')} WHERE user_id = $1`, [user!.id]);
    expect(old).toBeDefined();
    clock.advance(25 * HOUR);
    await t.client().request(RequestMagicLinkDocument, { input: { email } });
    const [fresh] = await sql(t, `SELECT id FROM ${t.table('magic_link_tokens')} WHERE user_id = $1 AND id <> $2`, [user!.id, old!.id]);
    expect(fresh).toBeDefined();
    await run(t);
    expect(await exists(t, 'magic_link_tokens', old!.id as string)).toBe(false);
    expect(await exists(t, 'magic_link_tokens', fresh!.id as string)).toBe(true);
  });

  test('password-reset tokens: gone CODE_RETENTION_HOURS after they expired; a newer one stays', async () => {
    const email = uniqueEmail('reset');
    await signUpAndVerify(t, t.client(), email);
    const [user] = await sql(t, `SELECT id FROM ${t.table('users')} WHERE email = $1`, [email]);
    await t.client().request(RequestPasswordResetDocument, { input: { email } });
    const [old] = await sql(t, `SELECT id FROM ${t.table('password_reset_tokens')} WHERE user_id = $1`, [user!.id]);
    expect(old).toBeDefined();
    clock.advance(25 * HOUR);
    await t.client().request(RequestPasswordResetDocument, { input: { email } });
    const [fresh] = await sql(t, `SELECT id FROM ${t.table('password_reset_tokens')} WHERE user_id = $1 AND id <> $2`, [user!.id, old!.id]);
    expect(fresh).toBeDefined();
    await run(t);
    expect(await exists(t, 'password_reset_tokens', old!.id as string)).toBe(false);
    expect(await exists(t, 'password_reset_tokens', fresh!.id as string)).toBe(true);
  });

  test('rotated refresh tokens: kept through REFRESH_ROTATED_RETENTION_SECONDS, then deleted; the current one and its session stay', async () => {
    const client = t.client();
    const first = await signUpAndVerify(t, client);
    const { refreshSession } = await client.request(RefreshSessionDocument, { refreshToken: first.refreshToken });
    const rotatedId = first.refreshToken.split('.')[0]!;
    const currentId = refreshSession.refreshToken.split('.')[0]!;
    clock.advance(30);
    await run(t);
    expect(await exists(t, 'refresh_tokens', rotatedId)).toBe(true);
    clock.advance(31);
    const deleted = await run(t);
    expect(deleted['refresh_tokens.rotated']).toBeGreaterThanOrEqual(1);
    expect(await exists(t, 'refresh_tokens', rotatedId)).toBe(false);
    expect(await exists(t, 'refresh_tokens', currentId)).toBe(true);
    const again = await client.request(RefreshSessionDocument, { refreshToken: refreshSession.refreshToken });
    expect(again.refreshSession.user.id).toBe(first.user.id);
  });

  test('ended sessions: a revoked session and its refresh tokens go SESSION_RETENTION_DAYS after it ended; a live one stays', async () => {
    const email = uniqueEmail('sessions');
    const ended = t.client();
    const endedAuth = await signUpAndVerify(t, ended, email);
    const live = t.client();
    const liveAuth = await signUpAndVerify(t, live);
    await ended.request(LogoutDocument);
    const endedSessionId = await sessionOf(t, endedAuth.refreshToken);
    const liveSessionId = await sessionOf(t, liveAuth.refreshToken);
    const endedTokenId = endedAuth.refreshToken.split('.')[0]!;

    clock.advance(1 * DAY);
    await run(t);
    expect(await exists(t, 'sessions', endedSessionId)).toBe(true);

    clock.advance(1 * DAY + HOUR);
    const deleted = await run(t);
    expect(deleted['sessions.ended']).toBeGreaterThanOrEqual(1);
    expect(await exists(t, 'sessions', endedSessionId)).toBe(false);
    expect(await exists(t, 'refresh_tokens', endedTokenId)).toBe(false);
    expect(await exists(t, 'sessions', liveSessionId)).toBe(true);
    const { refreshSession } = await live.request(RefreshSessionDocument, { refreshToken: liveAuth.refreshToken });
    expect(refreshSession.user.id).toBe(liveAuth.user.id);
  });

  test('ended sessions: one left idle past REFRESH_IDLE_TTL_SECONDS goes SESSION_RETENTION_DAYS later', async () => {
    const idle = await signUpAndVerify(t, t.client());
    const idleSessionId = await sessionOf(t, idle.refreshToken);
    clock.advance(7 * DAY + 1 * DAY); // idle end + 1 day: within retention
    await run(t);
    expect(await exists(t, 'sessions', idleSessionId)).toBe(true);
    clock.advance(1 * DAY + HOUR);
    await run(t);
    expect(await exists(t, 'sessions', idleSessionId)).toBe(false);
  });

  test('audit events: gone after AUDIT_RETENTION_DAYS; younger ones stay', async () => {
    // Retention deletes the sealed chain from its start (docs/audit.md): the rows earlier tests wrote (at the
    // database's time) come first in the chain, so they must be past the period too.
    clock.advance(8 * DAY);
    const now = clock.now();
    const old = randomUUID();
    const young = randomUUID();
    const insert = `INSERT INTO ${t.table('audit_events')} (id, event, outcome, created_at) VALUES ($1, 'test.recorded', 'success', $2)`;
    await sql(t, insert, [old, new Date(now.getTime() - (7 * DAY + HOUR) * 1000)]);
    await sql(t, insert, [young, new Date(now.getTime() - (7 * DAY - HOUR) * 1000)]);
    const deleted = await run(t);
    expect(deleted['audit_events.expired']).toBeGreaterThanOrEqual(1);
    expect(await exists(t, 'audit_events', old)).toBe(false);
    expect(await exists(t, 'audit_events', young)).toBe(true);
  });

  test('unverified accounts: deleted after UNVERIFIED_ACCOUNT_TTL_DAYS with everything tied to them; verified ones, phone-verified ones and shared organizations stay', async () => {
    const lone = uniqueEmail('lone');
    const sharing = uniqueEmail('sharing');
    const phoneOnly = uniqueEmail('phone');
    await t.client().request(SignupDocument, { input: { email: lone, password: PASSWORD, organization: { name: 'Lone Ltd' } } });
    await t.client().request(SignupDocument, { input: { email: sharing, password: PASSWORD, organization: { name: 'Shared Ltd' } } });
    await t.client().request(SignupDocument, { input: { email: phoneOnly, password: PASSWORD } });
    const verified = await signUpAndVerify(t, t.client());
    const users = t.table('users');
    const [loneUser] = await sql(t, `SELECT id, organization_id FROM ${users} WHERE email = $1`, [lone]);
    const [sharingUser] = await sql(t, `SELECT id, organization_id FROM ${users} WHERE email = $1`, [sharing]);
    const [phoneUser] = await sql(t, `SELECT id FROM ${users} WHERE email = $1`, [phoneOnly]);
    expect(loneUser!.organization_id).toBeTruthy();
    // Another (verified) member shares the organization: a membership, as organizations are shared now.
    await sql(t, `INSERT INTO ${t.table('memberships')} (id, organization_id, user_id, role) VALUES ($1, $2, $3, 'member')`, [
      randomUUID(),
      sharingUser!.organization_id,
      verified.user.id,
    ]);
    await sql(t, `UPDATE ${users} SET phone = '+447700900123', phone_verified = true WHERE id = $1`, [phoneUser!.id]);

    // created_at is PostgreSQL's own clock: put the accounts where the test clock says 7 days and 1 hour ago.
    const past = new Date(clock.now().getTime() - (7 * DAY + HOUR) * 1000);
    await sql(t, `UPDATE ${users} SET created_at = $1 WHERE id = ANY($2::uuid[])`, [past, [loneUser!.id, sharingUser!.id, phoneUser!.id, verified.user.id]]);
    const young = randomUUID();
    await sql(t, `INSERT INTO ${users} (id, email, created_at) VALUES ($1, $2, $3)`, [
      young,
      uniqueEmail('young'),
      new Date(clock.now().getTime() - 6 * DAY * 1000),
    ]);

    const deleted = await run(t);
    expect(deleted['users.unverified']).toBeGreaterThanOrEqual(2);
    for (const id of [loneUser!.id, sharingUser!.id] as string[]) {
      expect(await exists(t, 'users', id)).toBe(false);
      expect(await exists(t, 'password_credentials', id, 'user_id')).toBe(false);
      expect(await exists(t, 'otp_challenges', id, 'user_id')).toBe(false);
    }
    expect(await exists(t, 'organizations', loneUser!.organization_id as string)).toBe(false);
    const expired = await sql(t, `SELECT user_id FROM ${t.table('audit_events')} WHERE event = 'user.expired'`);
    expect(expired.map((r) => r.user_id)).toEqual(expect.arrayContaining([loneUser!.id, sharingUser!.id]));
    expect(expired.map((r) => r.user_id)).not.toContain(phoneUser!.id);
    expect(await exists(t, 'organizations', sharingUser!.organization_id as string)).toBe(true);
    // It keeps an owner: the remaining member (no admin left) became it.
    expect(await sql(t, `SELECT role FROM ${t.table('memberships')} WHERE organization_id = $1`, [sharingUser!.organization_id])).toEqual([{ role: 'owner' }]);
    expect(await exists(t, 'users', verified.user.id)).toBe(true);
    expect(await exists(t, 'users', phoneUser!.id as string)).toBe(true);
    expect(await exists(t, 'password_credentials', phoneUser!.id as string, 'user_id')).toBe(true);
    expect(await exists(t, 'users', young)).toBe(true);
    // The feed learns of it as of any erasure: user.erased per account, the memberships' events, the empty
    // organization deleted, the promoted owner.
    const events = async (aggregateId: string) =>
      (await sql(t, `SELECT type, data FROM ${t.table('events')} WHERE aggregate_id = $1 ORDER BY seq`, [aggregateId])).map((r) => [r.type, r.data]);
    for (const id of [loneUser!.id, sharingUser!.id] as string[]) expect(await events(id)).toContainEqual(['user.erased', { userId: id }]);
    expect(await events(loneUser!.organization_id as string)).toEqual(
      expect.arrayContaining([
        ['membership.deleted', expect.objectContaining({ userId: loneUser!.id, reason: 'erased' })],
        ['organization.deleted', { organizationId: loneUser!.organization_id }],
      ]),
    );
    expect(await events(sharingUser!.organization_id as string)).toEqual(
      expect.arrayContaining([
        ['membership.deleted', expect.objectContaining({ userId: sharingUser!.id, reason: 'erased' })],
        ['membership.updated', expect.objectContaining({ userId: verified.user.id, role: 'owner', previousRole: 'member' })],
      ]),
    );
    expect(await events(phoneUser!.id as string)).not.toContainEqual(['user.erased', expect.anything()]);
  });

  test("unverified accounts: one whose way in is a linked provider account (an untrusted provider's sign-up: no email) stays", async () => {
    // What an OAUTH_OIDC_<ID>_TRUST_EMAIL-less provider's first sign-in creates (F18): no email, no phone, one identity.
    const users = t.table('users');
    const withIdentity = randomUUID();
    const bare = randomUUID();
    const past = new Date(clock.now().getTime() - (7 * DAY + HOUR) * 1000);
    await sql(t, `INSERT INTO ${users} (id, created_at) VALUES ($1, $3), ($2, $3)`, [withIdentity, bare, past]);
    await sql(t, `INSERT INTO ${t.table('oauth_identities')} (id, user_id, provider, subject, email, email_verified) VALUES ($1, $2, 'acme', $3, $4, true)`, [
      randomUUID(),
      withIdentity,
      `sub-${randomUUID()}`,
      uniqueEmail('acme'),
    ]);
    await run(t);
    expect(await exists(t, 'users', withIdentity)).toBe(true);
    expect(await exists(t, 'oauth_identities', withIdentity, 'user_id')).toBe(true);
    expect(await exists(t, 'users', bare)).toBe(false);
  });
});

describe('maintenance runner: bounded batches, one run at a time per gateway', () => {
  let a: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ env: { MAINTENANCE_BATCH_SIZE: '10', MAINTENANCE_MAX_ROWS_PER_RUN: '100', AUDIT_RETENTION_DAYS: '7' } });
  });
  afterAll(() => a?.close());

  const insertOldAuditRows = (count: number) => insertOldAuditRowsInto(a, count);
  const oldAuditRows = () => countOldAuditRows(a);

  test('more rows than one batch: deleted batch by batch, at most MAINTENANCE_MAX_ROWS_PER_RUN per run, the rest next run', async () => {
    await insertOldAuditRows(125);
    expect((await run(a))['audit_events.expired']).toBe(100);
    expect(await oldAuditRows()).toBe(25);
    expect((await run(a))['audit_events.expired']).toBe(25);
    expect(await oldAuditRows()).toBe(0);
  });

  test('two concurrent runOnce calls on one gateway give one run', async () => {
    const [first, second] = await Promise.all([a.app.maintenance.runOnce(), a.app.maintenance.runOnce()]);
    expect([first.status, second.status].sort()).toEqual(['ran', 'skipped']);
  });
});

describeRealPostgres('maintenance runner: two gateways sharing a schema never sweep at once (advisory lock)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '7' } });
    b = await startTestApp({ env: { AUDIT_RETENTION_DAYS: '7' }, shareWith: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  const insertOldAuditRows = (count: number) => insertOldAuditRowsInto(a, count);
  const oldAuditRows = () => countOldAuditRows(a);

  test("while another connection holds the schema's maintenance lock, runOnce does nothing", async () => {
    await insertOldAuditRows(5);
    const holder = new Client({ connectionString: backends.databaseUrl! });
    await holder.connect();
    try {
      const key = maintenanceLockKey(a.env.DATABASE_SCHEMA!).toString();
      expect((await holder.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key])).rows[0].locked).toBe(true);
      expect(await a.app.maintenance.runOnce()).toEqual({ status: 'skipped' });
      expect(await b.app.maintenance.runOnce()).toEqual({ status: 'skipped' });
      expect(await oldAuditRows()).toBe(5);
      await holder.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
    } finally {
      await holder.end();
    }
    expect((await run(b))['audit_events.expired']).toBe(5);
  });

  test("another schema's lock does not block this one", async () => {
    const holder = new Client({ connectionString: backends.databaseUrl! });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1::bigint)', [maintenanceLockKey(`${a.env.DATABASE_SCHEMA}_other`).toString()]);
      expect((await a.app.maintenance.runOnce()).status).toBe('ran');
    } finally {
      await holder.end();
    }
  });

  test('two gateways sharing a schema: while one is mid-run, the other skips', async () => {
    await insertOldAuditRows(3);
    // Hold the audit table so a's run stops inside its audit sweep, holding the maintenance lock.
    const blocker = new Client({ connectionString: backends.databaseUrl! });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`LOCK TABLE ${a.table('audit_events')} IN ACCESS EXCLUSIVE MODE`);
      const runA = a.app.maintenance.runOnce();
      await waitForLockHolder(a.env.DATABASE_SCHEMA!);
      expect(await b.app.maintenance.runOnce()).toEqual({ status: 'skipped' });
      await blocker.query('COMMIT');
      const resultA = await runA;
      expect(resultA.status).toBe('ran');
      expect(resultA.status === 'ran' && resultA.deleted['audit_events.expired']).toBe(3);
    } finally {
      await blocker.end();
    }
  });
});

async function insertOldAuditRowsInto(t: TestApp, count: number): Promise<void> {
  await sql(
    t,
    `INSERT INTO ${t.table('audit_events')} (id, event, outcome, created_at)
     SELECT gen_random_uuid(), 'test.recorded', 'success', now() - interval '30 days' FROM generate_series(1, $1::int)`,
    [count],
  );
}

async function countOldAuditRows(t: TestApp): Promise<number> {
  return Number((await sql(t, `SELECT count(*) AS n FROM ${t.table('audit_events')} WHERE created_at < now() - interval '8 days'`))[0]!.n);
}

/** Waits until some session holds the schema's maintenance advisory lock (bigint keys show as classid/objid). */
async function waitForLockHolder(schema: string): Promise<void> {
  const key = BigInt.asUintN(64, maintenanceLockKey(schema));
  const classid = (key >> 32n).toString();
  const objid = (key & 0xffffffffn).toString();
  const client = new Client({ connectionString: backends.databaseUrl! });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query(
        `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::text = $1 AND objid::text = $2 AND objsubid = 1`,
        [classid, objid],
      );
      if (rows.length > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await client.end();
  }
}
