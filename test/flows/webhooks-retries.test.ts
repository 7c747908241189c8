import { PER_ENDPOINT_IN_FLIGHT } from '../../src/modules/webhooks/webhook-worker';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { sleep } from '../support/attack';
import type { WardenClient } from '../support/graphql-client';
import { until } from '../support/two-instances';
import { raiseToAal2, userWithAuthenticator } from '../support/admins';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';
import {
  CreateOrganizationDocument,
  CreateWebhookEndpointDocument,
  SendTestEventDocument,
  UpdateOrganizationDocument,
  UpdateWebhookEndpointDocument,
} from '../graphql/generated/graphql';

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

const DAY = 86_400;

async function person(t: TestApp, label: string): Promise<Person> {
  const email = uniqueEmail(label);
  const client = t.client();
  const payload = await signUpAndVerify(t, client, email);
  return { client, userId: payload.user.id, email };
}

async function organizationWithEndpoint(t: TestApp, owner: Person, url: string, name: string): Promise<{ orgId: string; endpointId: string }> {
  const orgId = (await owner.client.request(CreateOrganizationDocument, { input: { name } })).createOrganization.id;
  const { createWebhookEndpoint } = await owner.client.request(CreateWebhookEndpointDocument, {
    input: { organizationId: orgId, url, eventTypes: ['organization.updated'] },
  });
  return { orgId, endpointId: createWebhookEndpoint.endpoint.id };
}

/** Retries on WEBHOOK_RETRY_SCHEDULE_SECONDS and disabling after WEBHOOK_DISABLE_AFTER_DAYS, with the test clock. */
describe('webhooks: retries and disabling', () => {
  const clock = new TestClock();
  const adminEmail = uniqueEmail('webhooks-retries-admin');
  let t: TestApp;
  let receiver: WebhookReceiver;
  /** A global endpoint's receiver, always refusing (503). */
  let down: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    down = await WebhookReceiver.start('/global');
    down.respond = () => 503;
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        OUTBOX_POLL_INTERVAL_MS: '50',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_RETRY_SCHEDULE_SECONDS: '60,600',
        WEBHOOK_DISABLE_AFTER_DAYS: '1',
        ADMIN_EMAILS: adminEmail,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
    await down?.stop();
  });
  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  const deliveriesOf = (endpointId: string) =>
    sql(
      `SELECT status, attempts, last_attempt_at, next_attempt_at, response_status_code, error FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = $1 ORDER BY created_at, id`,
      [endpointId],
    );

  test('a failing delivery is retried on the schedule (±10 %), signed afresh with the same webhook-id, then FAILED after the last', async () => {
    const owner = await person(t, 'retry');
    const { orgId, endpointId } = await organizationWithEndpoint(t, owner, receiver.url, 'Retry Inc');
    receiver.respond = (r) => (r.body.organizationId === orgId ? 500 : 200);
    const mine = (r: { body: { organizationId: string | null } }) => r.body.organizationId === orgId;
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Retry 2' } });
    await receiver.waitFor(1, mine);
    await until(async () => (await deliveriesOf(endpointId))[0]?.attempts === 1, 'the first attempt is recorded');
    let [row] = await deliveriesOf(endpointId);
    expect(row).toMatchObject({ status: 'PENDING', attempts: 1, response_status_code: 500, error: 'http_status' });
    const firstDelay = row.next_attempt_at.getTime() - row.last_attempt_at.getTime();
    expect(firstDelay).toBeGreaterThanOrEqual(54_000);
    expect(firstDelay).toBeLessThanOrEqual(66_000);
    await sleep(300); // several worker rounds: not due yet
    expect(receiver.received.filter(mine)).toHaveLength(1);

    clock.advance(67);
    await receiver.waitFor(2, mine);
    await until(async () => (await deliveriesOf(endpointId))[0]?.attempts === 2, 'the second attempt is recorded');
    [row] = await deliveriesOf(endpointId);
    const secondDelay = row.next_attempt_at.getTime() - row.last_attempt_at.getTime();
    expect(secondDelay).toBeGreaterThanOrEqual(540_000);
    expect(secondDelay).toBeLessThanOrEqual(660_000);

    clock.advance(661);
    await receiver.waitFor(3, mine);
    await until(async () => (await deliveriesOf(endpointId))[0]?.status === 'FAILED', 'the last attempt fails the delivery');
    [row] = await deliveriesOf(endpointId);
    expect(row).toMatchObject({ status: 'FAILED', attempts: 3, next_attempt_at: null });
    const hits = receiver.received.filter(mine);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    const stamps = hits.map((h) => Number(h.headers['webhook-timestamp']));
    expect(stamps[1]! - stamps[0]!).toBeGreaterThanOrEqual(60);
    expect(stamps[2]! - stamps[1]!).toBeGreaterThanOrEqual(600);
    expect(new Set(hits.map((h) => h.headers['webhook-signature'])).size).toBe(3);
    await sleep(300);
    expect(receiver.received.filter(mine)).toHaveLength(3);
  });

  test('a receiver answering a NUL byte and invalid UTF-8: the attempt is recorded (U+FFFD), retried on the schedule; sendTestEvent records it too', async () => {
    const owner = await person(t, 'nul');
    const { orgId, endpointId } = await organizationWithEndpoint(t, owner, receiver.url, 'Nul Inc');
    const mine = (r: { body: { organizationId: string | null } }) => r.body.organizationId === orgId;
    receiver.respond = (r) => (mine(r) ? 500 : 200);
    receiver.answerBody = (status) => (status === 500 ? Buffer.from([0x62, 0x61, 0x64, 0x00, 0xff, 0x21]) : 'ok');
    try {
      await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Nul 2' } });
      await receiver.waitFor(1, mine);
      await until(async () => (await deliveriesOf(endpointId))[0]?.attempts === 1, 'the attempt is recorded');
      const [row] = await sql(
        `SELECT status, attempts, response_status_code, response_body, next_attempt_at FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = $1`,
        [endpointId],
      );
      expect(row).toMatchObject({ status: 'PENDING', attempts: 1, response_status_code: 500, response_body: 'bad\uFFFD\uFFFD!' });
      expect(row.next_attempt_at).not.toBeNull();
      await sleep(300); // several worker rounds: not sent again before it is due
      expect(receiver.received.filter(mine)).toHaveLength(1);
      const { sendTestEvent } = await owner.client.request(SendTestEventDocument, { endpointId });
      expect(sendTestEvent).toMatchObject({ status: 'FAILED', attempts: 1, responseStatusCode: 500, responseBody: 'bad\uFFFD\uFFFD!' });
    } finally {
      receiver.respond = () => 200;
      receiver.answerBody = null;
    }
  });

  test('fairness: a slow endpoint with a backlog holds at most PER_ENDPOINT_IN_FLIGHT deliveries in flight; another tenant is delivered meanwhile', async () => {
    const slow = await WebhookReceiver.start('/slow');
    slow.delayMs = 1500;
    try {
      const a = await person(t, 'slow-tenant');
      const { orgId: slowOrg, endpointId: slowEndpoint } = await organizationWithEndpoint(t, a, slow.url, 'Slow Inc');
      await a.client.request(UpdateOrganizationDocument, { input: { organizationId: slowOrg, name: 'Slow 2' } });
      await slow.waitFor(1);
      const [first] = await sql(`SELECT event_id FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = $1`, [slowEndpoint]);
      // A backlog of 20 more, on 20 aggregates (no per-aggregate wait), older than anything else.
      await sql(
        `INSERT INTO ${t.table('webhook_deliveries')} (endpoint_id, event_id, event_type, aggregate_type, aggregate_id, sequence, status, attempts, next_attempt_at, created_at)
         SELECT $1, $2, 'organization.updated', 'organization', 'backlog-' || g, 1, 'PENDING', 0, $3, $3 FROM generate_series(1, 20) g`,
        [slowEndpoint, first.event_id, new Date(clock.now().getTime() - 60_000)],
      );
      const open = () => slow.received.filter((r) => Date.now() - r.at < slow.delayMs - 100).length;
      let most = 0;
      for (let i = 0; i < 10; i++) {
        await sleep(100);
        most = Math.max(most, open());
      }
      expect(most).toBe(PER_ENDPOINT_IN_FLIGHT); // the backlog is being sent, that many at a time
      const b = await person(t, 'fast-tenant');
      const { orgId: fastOrg } = await organizationWithEndpoint(t, b, receiver.url, 'Fast Inc');
      const sentAt = Date.now();
      await b.client.request(UpdateOrganizationDocument, { input: { organizationId: fastOrg, name: 'Fast 2' } });
      const [hit] = await receiver.waitFor(1, (r) => r.body.organizationId === fastOrg);
      expect(hit!.at - sentAt).toBeLessThan(1200); // not behind the slow backlog (32 places × 1.5 s)
      expect(open()).toBeLessThanOrEqual(PER_ENDPOINT_IN_FLIGHT);
    } finally {
      await sql(`DELETE FROM ${t.table('webhook_deliveries')} WHERE aggregate_id LIKE 'backlog-%'`);
      await slow.stop();
    }
  });

  test('an endpoint failing for WEBHOOK_DISABLE_AFTER_DAYS is disabled: pending deliveries FAILED, owners mailed, event and audit row; enabled: true re-enables', async () => {
    // A global endpoint that fails too: its ADMIN_EMAILS accounts are told.
    const admin = await userWithAuthenticator(t, clock, adminEmail);
    await raiseToAal2(clock, admin);
    const { createWebhookEndpoint: global } = await admin.client.request(CreateWebhookEndpointDocument, {
      input: { organizationId: null, url: down.url, eventTypes: ['organization.updated'] },
    });
    const owner = await person(t, 'disable');
    const { orgId, endpointId } = await organizationWithEndpoint(t, owner, receiver.url, 'Disable Inc');
    receiver.respond = (r) => (r.body.organizationId === orgId ? 503 : 200);
    const mine = (r: { body: { organizationId: string | null } }) => r.body.organizationId === orgId;
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Disable 2' } });
    await receiver.waitFor(1, mine);
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Disable 3' } });
    await until(
      async () => (await sql(`SELECT failing_since FROM ${t.table('webhook_endpoints')} WHERE id = $1`, [endpointId]))[0].failing_since !== null,
      'the failure clock starts',
    );
    // A day later, the next failed attempt disables it.
    clock.advance(DAY + 120);
    await until(
      async () => (await sql(`SELECT enabled FROM ${t.table('webhook_endpoints')} WHERE id = $1`, [endpointId]))[0].enabled === false,
      'the endpoint is disabled',
    );
    const [endpoint] = await sql(`SELECT enabled, disabled_reason FROM ${t.table('webhook_endpoints')} WHERE id = $1`, [endpointId]);
    expect(endpoint).toEqual({ enabled: false, disabled_reason: 'FAILING' });
    const statuses = (await deliveriesOf(endpointId)).map((d) => d.status);
    expect(statuses).toContain('FAILED');
    expect(statuses).not.toContain('PENDING');
    const mail = await t.inbox.waitForSubject(owner.email, /webhook endpoint was disabled/);
    expect(mail.text).toContain(receiver.url);
    await until(
      async () => (await sql(`SELECT 1 FROM ${t.table('events')} WHERE aggregate_id = $1 AND position IS NOT NULL`, [endpointId])).length === 1,
      'the event is in the feed',
    );
    const [event] = await sql(`SELECT type, aggregate_type, organization_id, data FROM ${t.table('events')} WHERE aggregate_id = $1`, [endpointId]);
    expect(event).toEqual({
      type: 'webhook_endpoint.disabled',
      aggregate_type: 'webhook_endpoint',
      organization_id: orgId,
      data: { endpointId, organizationId: orgId },
    });
    const audit = await sql(`SELECT data FROM ${t.table('audit_events')} WHERE event = 'webhook_endpoint.disabled' AND organization_id = $1`, [orgId]);
    expect(audit).toHaveLength(1);
    expect(audit[0].data).toMatchObject({ endpointId, reason: 'FAILING' });
    // The global endpoint failed all along too: disabled, and the admins' accounts mailed.
    await until(
      async () => (await sql(`SELECT enabled FROM ${t.table('webhook_endpoints')} WHERE id = $1`, [global.endpoint.id]))[0].enabled === false,
      'the global endpoint is disabled',
    );
    const adminMail = await t.inbox.waitForSubject(adminEmail, /webhook endpoint was disabled/);
    expect(adminMail.text).toContain(down.url);
    expect(adminMail.text).toContain('(global)');
    expect(t.inbox.mailsTo(owner.email).filter((m) => m.text.includes(down.url))).toEqual([]);

    // Disabled: new events are not queued.
    await logIn(t, owner.client, owner.email); // a day later, the morning's access token has expired
    const before = (await deliveriesOf(endpointId)).length;
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Disable 4' } });
    await sleep(400);
    expect(await deliveriesOf(endpointId)).toHaveLength(before);

    // enabled: true re-enables and restarts the failure clock.
    receiver.respond = () => 200;
    const { updateWebhookEndpoint } = await owner.client.request(UpdateWebhookEndpointDocument, { input: { id: endpointId, enabled: true } });
    expect(updateWebhookEndpoint).toMatchObject({ enabled: true, disabledReason: null });
    expect((await sql(`SELECT failing_since FROM ${t.table('webhook_endpoints')} WHERE id = $1`, [endpointId]))[0].failing_since).toBeNull();
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Disable 5' } });
    const [delivered] = await receiver.waitFor(1, (r) => mine(r) && (r.body.data as { organization: { name: string } }).organization?.name === 'Disable 5');
    expect(delivered!.status).toBe(200);
  });

  // The held transaction needs a second connection: embedded PGlite serves one (CI runs it on real PostgreSQL).
  const testRealPostgres = process.env.WARDEN_TEST_EMBEDDED_PG ? test.skip : test;
  testRealPostgres('a disabling that commits while an event is being queued leaves no PENDING delivery on the disabled endpoint', async () => {
    const owner = await person(t, 'race');
    const { orgId, endpointId } = await organizationWithEndpoint(t, owner, receiver.url, 'Race Inc');
    // The disabling's transaction, held open between its two statements' effects and its COMMIT.
    const runner = t.app.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`UPDATE ${t.table('webhook_endpoints')} SET enabled = false, disabled_reason = 'FAILING' WHERE id = $1`, [endpointId]);
      await runner.query(
        `UPDATE ${t.table('webhook_deliveries')} SET status = 'FAILED', next_attempt_at = NULL WHERE endpoint_id = $1 AND status = 'PENDING'`,
        [endpointId],
      );
      await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Race 2' } });
      await sleep(400); // the relay stamps the event and queues it meanwhile (or waits for the disabling)
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    await until(
      async () =>
        (
          await sql(
            `SELECT count(*)::int AS n FROM ${t.table('events')} WHERE organization_id = $1 AND type = 'organization.updated' AND sequence IS NOT NULL`,
            [orgId],
          )
        )[0].n === 1,
      'the event is stamped',
    );
    await sleep(200);
    expect(await deliveriesOf(endpointId)).toEqual([]);
    expect(receiver.received.filter((r) => r.body.organizationId === orgId)).toHaveLength(0);
  });

  test('retention: deliveries older than EVENT_RETENTION_DAYS are deleted, fresher ones stay', async () => {
    receiver.respond = () => 200;
    const owner = await person(t, 'retention');
    const { orgId, endpointId } = await organizationWithEndpoint(t, owner, receiver.url, 'Retention Inc');
    const ids = async () =>
      (await sql(`SELECT id FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = $1 ORDER BY created_at`, [endpointId])).map((r) => r.id as string);
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Retention 2' } });
    await until(async () => (await ids()).length === 1, 'the delivery is queued');
    const [old] = await ids();
    const run = async () => {
      const result = await t.app.maintenance.runOnce();
      expect(result).toMatchObject({ status: 'ran', failed: [] });
      return (result as { deleted: Record<string, number> }).deleted;
    };
    clock.advance(29 * DAY);
    await run();
    expect(await ids()).toEqual([old]);
    await logIn(t, owner.client, owner.email);
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Retention 3' } });
    await until(async () => (await ids()).length === 2, 'the second delivery is queued');
    clock.advance(2 * DAY); // the first is 31 days old, the second 2
    const deleted = await run();
    expect(deleted['webhook_deliveries.old']).toBeGreaterThanOrEqual(1);
    const left = await ids();
    expect(left).toHaveLength(1);
    expect(left).not.toContain(old);
  });
});

/** Two gateways on one database share the deliveries: each is sent once. */
describe('webhooks: two instances', () => {
  let a: TestApp;
  let b: TestApp;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    const env = { OUTBOX_POLL_INTERVAL_MS: '50', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' };
    a = await startTestApp({ env });
    b = await startTestApp({ shareWith: a, env });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await receiver?.stop();
  });

  test('two instances share deliveries with no double send', async () => {
    const owner = await person(a, 'two');
    const orgId = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Two Inc' } })).createOrganization.id;
    const endpoints = 8;
    const events = 10;
    for (let e = 0; e < endpoints; e++) {
      await owner.client.request(CreateWebhookEndpointDocument, {
        input: { organizationId: orgId, url: `${receiver.url}?e=${e}`, eventTypes: ['organization.updated'] },
      });
    }
    receiver.delayMs = 20; // deliveries stay in flight while the other gateway's worker polls
    // Half the changes through each gateway: both relays and both workers run.
    for (let i = 0; i < events; i++) {
      const via = i % 2 === 0 ? a : b;
      await via
        .client({ authorization: `Bearer ${owner.client.accessToken}` })
        .request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: `Two ${i}` } });
    }
    const mine = (r: ReceivedWebhook) => r.body.organizationId === orgId && r.body.type === 'organization.updated';
    await receiver.waitFor(endpoints * events, mine, 30_000);
    await sleep(500);
    const all = receiver.received.filter(mine);
    expect(all).toHaveLength(endpoints * events);
    const pairs = new Set(all.map((h) => `${h.path} ${String(h.headers['webhook-id'])}`));
    expect(pairs.size).toBe(endpoints * events);
    // Per endpoint, in sequence order (each waited for the one before it).
    for (let e = 0; e < endpoints; e++) {
      const sequences = all.filter((h) => h.path.endsWith(`?e=${e}`)).map((h) => h.body.sequence);
      expect(sequences).toHaveLength(events);
      expect(sequences).toEqual([...sequences].sort((x, y) => x - y));
    }
    const rows = await a.app.dataSource.query(
      `SELECT d.status, d.attempts FROM ${a.table('webhook_deliveries')} d JOIN ${a.table('webhook_endpoints')} e ON e.id = d.endpoint_id WHERE e.organization_id = $1 AND d.event_type = 'organization.updated'`,
      [orgId],
    );
    expect(rows).toHaveLength(endpoints * events);
    expect(rows.every((r: { status: string; attempts: number }) => r.status === 'SUCCEEDED' && r.attempts === 1)).toBe(true);
  });
});

/** SSRF at the door: with WEBHOOK_ALLOW_PRIVATE_NETWORKS unset, internal targets are refused when the endpoint is saved. */
describe('webhooks: URL policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { OUTBOX_POLL_INTERVAL_MS: '50' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('an internal URL is UNSAFE_URL', async () => {
    const owner = await person(t, 'ssrf');
    const orgId = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'SSRF Inc' } })).createOrganization.id;
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'https://api.localhost/hook',
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://192.168.0.10/hook',
    ]) {
      const refused = await owner.client.error(owner.client.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url } }));
      expect({ url, ...refused }).toMatchObject({ url, code: 'BAD_USER_INPUT', extensions: { field: 'url', reason: 'UNSAFE_URL' } });
    }
    const { createWebhookEndpoint } = await owner.client.request(CreateWebhookEndpointDocument, {
      input: { organizationId: orgId, url: 'https://hooks.example.com/warden' },
    });
    const moved = await owner.client.error(
      owner.client.request(UpdateWebhookEndpointDocument, { input: { id: createWebhookEndpoint.endpoint.id, url: 'http://127.0.0.1/hook' } }),
    );
    expect(moved).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'url', reason: 'UNSAFE_URL' } });
  });
});
