import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { sleep } from '../support/attack';
import { backends } from '../support/backends';
import { TcpProxy } from '../support/tcp-proxy';
import { until } from '../support/two-instances';
import type { WardenClient } from '../support/graphql-client';
import { CreateOrganizationDocument, CreateWebhookEndpointDocument, UpdateOrganizationDocument } from '../graphql/generated/graphql';
import { webhookSignature } from '../../src/modules/webhooks/signing';

/**
 * Webhook delivery under faults (issue #27): a receiver down for an hour (the test clock moved through the retry
 * schedule) gets every event once, in per-aggregate order, when it comes back; a gateway killed while its receiver
 * holds the request open leaves the delivery leased, and another gateway sends it once the lease has passed.
 */

interface Hit {
  id: string;
  aggregateId: string;
  sequence: number;
  signatureValid: boolean;
}

/** A receiver on a fixed port that can be down (nothing listening: connection refused) and come back. */
class PortReceiver {
  readonly hits: Hit[] = [];
  /** Requests held open (never answered) while `hold` is set. */
  hold = false;
  readonly held: ServerResponse[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** The endpoint secret per aggregate (each organization has its own endpoint). */
  readonly secrets = new Map<string, string>();

  private constructor(readonly port: number) {}

  /** A free port, left closed: the receiver starts down. */
  static async reserve(): Promise<PortReceiver> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    return new PortReceiver(port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async up(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = JSON.parse(raw) as { id: string; aggregateId: string; sequence: number };
        this.hits.push({
          id: body.id,
          aggregateId: body.aggregateId,
          sequence: body.sequence,
          signatureValid: this.verify(req.headers, raw, body.aggregateId),
        });
        if (this.hold) this.held.push(res);
        else res.writeHead(200).end('ok');
      });
    });
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  /** The signature as Warden must make it (the timestamp is the gateway's test clock: no tolerance check here). */
  private verify(headers: IncomingHttpHeaders, raw: string, aggregateId: string): boolean {
    const secret = this.secrets.get(aggregateId);
    if (!secret) return false;
    const id = String(headers['webhook-id']);
    const timestamp = Number(headers['webhook-timestamp']);
    const expected = webhookSignature([secret], id, timestamp, raw);
    return String(headers['webhook-signature']).split(' ').includes(expected);
  }
}

async function owner(t: TestApp, label: string): Promise<WardenClient> {
  const client = t.client();
  await signUpAndVerify(t, client, uniqueEmail(label));
  return client;
}

async function organizationWithEndpoint(client: WardenClient, name: string, url: string): Promise<{ orgId: string; endpointId: string; secret: string }> {
  const orgId = (await client.request(CreateOrganizationDocument, { input: { name } })).createOrganization.id;
  const { createWebhookEndpoint } = await client.request(CreateWebhookEndpointDocument, {
    input: { organizationId: orgId, url, eventTypes: ['organization.updated'] },
  });
  return { orgId, endpointId: createWebhookEndpoint.endpoint.id, secret: createWebhookEndpoint.secret };
}

describe('webhooks: a receiver down for an hour', () => {
  const clock = new TestClock();
  let t: TestApp;
  let receiver: PortReceiver;
  beforeAll(async () => {
    receiver = await PortReceiver.reserve();
    t = await startTestApp({
      overrides: { now: clock.now },
      // The shipped retry schedule (5 s, 5 min, 30 min, 2 h, …): an hour down spends four attempts.
      env: { OUTBOX_POLL_INTERVAL_MS: '50', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_SECONDS: '2' },
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.down();
  });
  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);

  test('then up: every event is delivered exactly once, in per-aggregate order by sequence, none lost', async () => {
    const client = await owner(t, 'down-hour');
    const first = await organizationWithEndpoint(client, 'Down One', receiver.url);
    const second = await organizationWithEndpoint(client, 'Down Two', receiver.url);
    receiver.secrets.set(first.orgId, first.secret).set(second.orgId, second.secret);
    const endpoints = [first.endpointId, second.endpointId];
    const update = async (orgId: string, name: string) => client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name } });
    const deliveries = () =>
      sql(`SELECT event_id, aggregate_id, sequence, status, attempts, error FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = ANY($1::uuid[])`, [
        endpoints,
      ]);

    // Events while the receiver is down, interleaved across the two organizations (two aggregates).
    for (let i = 0; i < 4; i++) {
      await update(first.orgId, `Down One ${i}`);
      await update(second.orgId, `Down Two ${i}`);
    }
    await until(async () => {
      const rows = await deliveries();
      return rows.length === 8 && rows.filter((r) => r.attempts >= 1).length === 2;
    }, 'the head of each aggregate has failed once');
    // Only the oldest delivery of each aggregate is tried; the others wait behind it (per-aggregate order).
    expect((await deliveries()).filter((r) => r.attempts >= 1).map((r) => [r.error, r.sequence])).toEqual(
      expect.arrayContaining([
        ['connection_failed', expect.any(Number)],
        ['connection_failed', expect.any(Number)],
      ]),
    );

    // An hour passes: the worker runs the retry schedule (5 s, 300 s, 1800 s, ±10 %), every attempt refused.
    const steps = [6, 340, 1990];
    for (const [index, seconds] of steps.entries()) {
      clock.advance(seconds);
      await until(async () => (await deliveries()).filter((r) => r.attempts === index + 2).length === 2, `attempt ${index + 2} of each head`, 15_000);
      if (index === 1) {
        // More events mid-outage.
        await update(first.orgId, 'Down One late');
        await update(second.orgId, 'Down Two late');
      }
    }
    clock.advance(3600 - steps.reduce((a, b) => a + b, 0));
    await sleep(300);
    const waiting = await deliveries();
    expect(waiting).toHaveLength(10);
    expect(waiting.every((r) => r.status === 'PENDING')).toBe(true);
    expect(receiver.hits).toHaveLength(0);

    // The receiver comes back; the next retry (2 h ±10 % after the fourth attempt) finds it.
    await receiver.up();
    clock.advance(7200 * 1.1 + 5);
    await until(async () => (await deliveries()).every((r) => r.status === 'SUCCEEDED'), 'every delivery succeeded', 20_000);
    await sleep(500); // several worker rounds more: nothing is sent twice

    const events = await sql(
      `SELECT id, aggregate_id, sequence FROM ${t.table('events')} WHERE type = 'organization.updated' AND organization_id = ANY($1::uuid[]) ORDER BY sequence`,
      [[first.orgId, second.orgId]],
    );
    expect(events).toHaveLength(10);
    // Exactly once: every event's id arrived once, and nothing else arrived.
    expect(receiver.hits.map((h) => h.id).sort()).toEqual(events.map((e) => e.id).sort());
    // In per-aggregate order by sequence.
    for (const orgId of [first.orgId, second.orgId]) {
      const arrived = receiver.hits.filter((h) => h.aggregateId === orgId).map((h) => h.sequence);
      expect(arrived).toEqual(events.filter((e) => e.aggregate_id === orgId).map((e) => Number(e.sequence)));
      expect(arrived).toHaveLength(5);
    }
    // Each signed afresh with its endpoint's own secret.
    expect(receiver.hits.every((h) => h.signatureValid)).toBe(true);
  });
});

describe('webhooks: a gateway killed mid-delivery', () => {
  const clock = new TestClock();
  const env = { OUTBOX_POLL_INTERVAL_MS: '50', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_TIMEOUT_SECONDS: '3' };
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp | null = null;
  let receiver: PortReceiver;
  beforeAll(async () => {
    receiver = await PortReceiver.reserve();
    await receiver.up();
    // Gateway A reaches PostgreSQL through a proxy: cutting it is A dying (its sessions, locks and pending writes gone).
    const target = new URL(backends.databaseUrl!);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    a = await startTestApp({ overrides: { now: clock.now }, env: { ...env, DATABASE_URL: proxy.rewrite(backends.databaseUrl!) } });
  });
  afterAll(async () => {
    await b?.close();
    await proxy?.restore();
    await a?.close();
    await proxy?.cut();
    await receiver?.down();
  });
  const sql = (text: string, params: unknown[] = []): Promise<any[]> => b!.app.dataSource.query(text, params);

  test('the delivery is retried by another gateway after the lease', async () => {
    const client = await owner(a, 'killed');
    const { orgId, endpointId, secret } = await organizationWithEndpoint(client, 'Killed Inc', receiver.url);
    receiver.secrets.set(orgId, secret);
    receiver.hold = true;
    await client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Killed 2' } });
    await until(async () => receiver.hits.length === 1, 'A is sending and the receiver holds the request');

    // A dies while the request is open: it can never record the attempt.
    await proxy.cut();
    b = await startTestApp({ shareWith: a, overrides: { now: clock.now }, env });
    const [row] = await sql(`SELECT status, attempts, lease_until FROM ${b.table('webhook_deliveries')} WHERE endpoint_id = $1`, [endpointId]);
    expect(row).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(row.lease_until.getTime()).toBeGreaterThan(clock.now().getTime());

    // While A's lease lasts, B leaves the row alone (A might still be alive and about to record).
    await sleep(500);
    expect(receiver.hits).toHaveLength(1);

    // Past the lease (the attempt's timeout + 30 s), B sends it again: the same event, the same webhook-id.
    receiver.hold = false;
    clock.advance(3 + 30 + 1);
    await until(async () => receiver.hits.length === 2, 'B retried the delivery', 15_000);
    await until(
      async () => (await sql(`SELECT status FROM ${b!.table('webhook_deliveries')} WHERE endpoint_id = $1`, [endpointId]))[0].status === 'SUCCEEDED',
      'B recorded it',
    );
    expect(receiver.hits[1]!.id).toBe(receiver.hits[0]!.id);
    expect(receiver.hits.every((h) => h.signatureValid)).toBe(true);
    const [done] = await sql(`SELECT status, attempts, response_status_code, lease_until FROM ${b.table('webhook_deliveries')} WHERE endpoint_id = $1`, [
      endpointId,
    ]);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, response_status_code: 200, lease_until: null });

    // A's held request ends (its socket dropped); A could not record, and a late record could not overwrite B's.
    for (const res of receiver.held.splice(0)) res.socket?.destroy();
    await sleep(300);
    expect(receiver.hits).toHaveLength(2);
    expect((await sql(`SELECT status, attempts FROM ${b.table('webhook_deliveries')} WHERE endpoint_id = $1`, [endpointId]))[0]).toEqual({
      status: 'SUCCEEDED',
      attempts: 1,
    });
  });
});
