import { Webhook } from 'standardwebhooks';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { linkFrom } from '../support/smtp-inbox';
import { sleep } from '../support/attack';
import type { WardenClient } from '../support/graphql-client';
import { raiseToAal2, userWithAuthenticator } from '../support/admins';
import { WebhookReceiver, type ReceivedWebhook } from '../support/webhook-receiver';
import { wardenModules } from '../../src/modules';
import type { WardenModule } from '../../src/modules/module';
import {
  AcceptInvitationDocument,
  AdminWebhookEndpointsDocument,
  CreateApiKeyDocument,
  CreateOrganizationDocument,
  CreateWebhookEndpointDocument,
  DeleteOrganizationDocument,
  DeleteWebhookEndpointDocument,
  EventsDocument,
  InviteMemberDocument,
  OrganizationWebhookEndpointsDocument,
  ReplayDeliveryDocument,
  RotateWebhookSecretDocument,
  SendTestEventDocument,
  SignupDocument,
  UpdateOrganizationDocument,
  UpdateWebhookEndpointDocument,
  type CreateWebhookEndpointInput,
  type WebhookDeliveryStatus,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const ADMIN_EMAIL = uniqueEmail('webhooks-admin');

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

/** Standard Webhooks verification with the standardwebhooks package (throws on a bad signature or a stale timestamp). */
function verify(secret: string, hit: ReceivedWebhook): unknown {
  return new Webhook(secret).verify(hit.raw, {
    'webhook-id': String(hit.headers['webhook-id']),
    'webhook-timestamp': String(hit.headers['webhook-timestamp']),
    'webhook-signature': String(hit.headers['webhook-signature']),
  });
}

/** Webhook endpoints, signed delivery, the deliveries connection, test events and replays (issue #27, contract "Events and webhooks"). */
describe('webhooks: endpoints and signed delivery', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let admin: Person;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        OUTBOX_POLL_INTERVAL_MS: '50',
        ADMIN_EMAILS: ADMIN_EMAIL,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        WEBHOOK_MAX_ENDPOINTS: '3',
        WEBHOOK_RETRY_SCHEDULE_SECONDS: '3600',
        RATE_LIMIT_SENDS_PER_HOUR: '100',
      },
    });
    const user = await userWithAuthenticator(t, clock, ADMIN_EMAIL);
    await raiseToAal2(clock, user);
    admin = { client: user.client, userId: user.userId, email: user.email };
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  const person = async (label: string, email = uniqueEmail(label)): Promise<Person> => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client, email);
    return { client, userId: payload.user.id, email };
  };
  const newOrganization = async (owner: Person, name: string): Promise<string> =>
    (await owner.client.request(CreateOrganizationDocument, { input: { name } })).createOrganization.id;
  /** Waits until the relay stamped every event of the organization (so an endpoint created next does not take them). */
  const stamped = async (organizationId: string): Promise<void> => {
    for (const deadline = Date.now() + 10_000; ; await sleep(25)) {
      const [row] = await sql(`SELECT count(*)::int AS n FROM ${t.table('events')} WHERE organization_id = $1 AND sequence IS NULL`, [organizationId]);
      if (row.n === 0) return;
      if (Date.now() > deadline) throw new Error('the relay did not stamp the organization events');
    }
  };
  const createEndpoint = async (who: Person, input: Partial<CreateWebhookEndpointInput> & { organizationId: string | null }) =>
    (await who.client.request(CreateWebhookEndpointDocument, { input: { url: receiver.url, ...input } })).createWebhookEndpoint;
  const rename = (owner: Person, organizationId: string, name: string) => owner.client.request(UpdateOrganizationDocument, { input: { organizationId, name } });
  const endpointsOf = async (who: Person, organizationId: string) =>
    (await who.client.query(OrganizationWebhookEndpointsDocument, { id: organizationId, first: 20 })).organization!.webhookEndpoints;
  /** A member of the organization with the built-in `member` role (no webhooks:manage). */
  const plainMember = async (owner: Person, organizationId: string): Promise<Person> => {
    const email = uniqueEmail('plain');
    const before = t.inbox.mailsTo(email).length;
    await owner.client.request(InviteMemberDocument, { input: { organizationId, email, role: 'member' } });
    await t.inbox.waitForMail(email, before + 1);
    const token = linkFrom(t.inbox.mailsTo(email)[before]!).searchParams.get('token')!;
    const member = await person('plain', email);
    const { acceptInvitation } = await member.client.request(AcceptInvitationDocument, { input: { token } });
    member.client.accessToken = acceptInvitation.accessToken;
    return member;
  };

  test('an organization endpoint gets exactly its organization events, signed (standardwebhooks verifies); eventTypes filters', async () => {
    const owner = await person('owner');
    const other = await person('other');
    const orgA = await newOrganization(owner, 'Hooked A');
    const orgB = await newOrganization(other, 'Hooked B');
    await stamped(orgA); // organization.created and membership.created go to the feed before the endpoints exist
    const all = await createEndpoint(owner, { organizationId: orgA, description: 'all of A' });
    expect(all.endpoint).toMatchObject({
      organizationId: orgA,
      url: receiver.url,
      description: 'all of A',
      eventTypes: [],
      enabled: true,
      disabledReason: null,
    });
    expect(all.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const filtered = await createEndpoint(owner, { organizationId: orgA, eventTypes: ['membership.created'] });
    expect(filtered.endpoint.eventTypes).toEqual(['membership.created']);

    await rename(owner, orgA, 'Hooked A2');
    await rename(other, orgB, 'Hooked B2');
    const [hit] = await receiver.waitFor(1, (r) => r.body.type === 'organization.updated' && r.body.organizationId === orgA);
    const { events } = await owner.client.query(EventsDocument, { organizationId: orgA, types: ['organization.updated'] });
    const event = events.nodes[0]!;
    expect(hit!.headers['content-type']).toBe('application/json');
    expect(hit!.headers['webhook-id']).toBe(event.id);
    expect(Math.abs(Number(hit!.headers['webhook-timestamp']) - clock.now().getTime() / 1000)).toBeLessThan(30);
    expect(JSON.parse(hit!.raw)).toEqual({
      id: event.id,
      type: 'organization.updated',
      timestamp: event.occurredAt,
      sequence: event.sequence,
      aggregateType: 'organization',
      aggregateId: orgA,
      organizationId: orgA,
      data: event.data,
    });
    expect(Object.keys(JSON.parse(hit!.raw))).toEqual(['id', 'type', 'timestamp', 'sequence', 'aggregateType', 'aggregateId', 'organizationId', 'data']);
    expect(verify(all.secret, hit!)).toEqual(JSON.parse(hit!.raw));
    // Another secret does not verify it (a forged delivery would be refused).
    expect(() => verify(filtered.secret, hit!)).toThrow();
    await sleep(500); // several relay and worker rounds: nothing else comes
    expect(receiver.received.filter((r) => r.body.organizationId === orgB)).toEqual([]);
    // The filtered endpoint took no organization.updated: only the two deliveries of the first endpoint exist… per type.
    const [allRow, filteredRow] = await endpointsOf(owner, orgA);
    expect(allRow!.deliveries.nodes.map((d) => d.eventType)).toEqual(['organization.updated']);
    expect(allRow!.deliveries.nodes[0]).toMatchObject({ status: 'SUCCEEDED', attempts: 1, responseStatusCode: 200, error: null, nextAttemptAt: null });
    expect(filteredRow!.deliveries.nodes).toEqual([]);
  });

  test('a global endpoint (admins) gets every event; a non-admin is NOT_ADMIN', async () => {
    const global = await createEndpoint(admin, { organizationId: null, eventTypes: ['user.created'] });
    expect(global.endpoint.organizationId).toBeNull();
    const stranger = await person('global-stranger');
    const refused = await stranger.client.error(stranger.client.request(CreateWebhookEndpointDocument, { input: { url: receiver.url } }));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_ADMIN' } });
    const [created] = await receiver.waitFor(1, (r) => r.body.type === 'user.created' && r.body.aggregateId === stranger.userId);
    expect(verify(global.secret, created!)).toMatchObject({ data: { user: { id: stranger.userId, email: stranger.email } } });
    const { adminWebhookEndpoints } = await admin.client.query(AdminWebhookEndpointsDocument);
    expect(adminWebhookEndpoints.map((e) => e.id)).toContain(global.endpoint.id);
    const notAdmin = await stranger.client.error(stranger.client.query(AdminWebhookEndpointsDocument));
    expect(notAdmin).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_ADMIN' } });
    await admin.client.request(DeleteWebhookEndpointDocument, { id: global.endpoint.id });
  });

  test('create and rotate: the gate answers before recency (a stale session is NOT_ADMIN / NOT_A_MEMBER, then REAUTHENTICATION_REQUIRED)', async () => {
    const owner = await person('stale-owner');
    const orgId = await newOrganization(owner, 'Stale Inc');
    const { endpoint } = await createEndpoint(owner, { organizationId: orgId });
    const stranger = await person('stale-stranger');
    const stale = (who: Person) => sql(`UPDATE ${t.table('sessions')} SET last_authenticated_at = now() - interval '1 day' WHERE user_id = $1`, [who.userId]);
    await stale(stranger);
    await stale(owner);
    const refused = async (who: Person, op: Promise<unknown>) => {
      const error = await who.client.error(op);
      return error.extensions.reason ?? error.code;
    };
    expect(await refused(stranger, stranger.client.request(CreateWebhookEndpointDocument, { input: { url: receiver.url } }))).toBe('NOT_ADMIN');
    expect(await refused(stranger, stranger.client.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url: receiver.url } }))).toBe(
      'NOT_A_MEMBER',
    );
    expect(await refused(stranger, stranger.client.request(RotateWebhookSecretDocument, { id: endpoint.id }))).toBe('NOT_A_MEMBER');
    // The owner passes the gate; then the session's age counts.
    for (const op of [
      owner.client.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url: receiver.url } }),
      owner.client.request(RotateWebhookSecretDocument, { id: endpoint.id }),
    ]) {
      expect(await owner.client.error(op)).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED' });
    }
    expect((await endpointsOf(owner, orgId)).map((e) => e.id)).toEqual([endpoint.id]);
  });

  test("another organization's endpoint id is NOT_A_MEMBER (unknown ids alike); a plain member is PERMISSION_REQUIRED; signed out UNAUTHENTICATED", async () => {
    const owner = await person('perm-owner');
    const orgId = await newOrganization(owner, 'Perm Inc');
    const { endpoint } = await createEndpoint(owner, { organizationId: orgId });
    const stranger = await person('perm-stranger');
    const unknownId = '00000000-0000-4000-8000-000000000000';
    for (const id of [endpoint.id, unknownId, 'not-a-uuid']) {
      for (const op of [
        stranger.client.request(UpdateWebhookEndpointDocument, { input: { id, description: 'mine now' } }),
        stranger.client.request(DeleteWebhookEndpointDocument, { id }),
        stranger.client.request(RotateWebhookSecretDocument, { id }),
        stranger.client.request(SendTestEventDocument, { endpointId: id }),
        stranger.client.request(ReplayDeliveryDocument, { id }),
      ]) {
        expect(await stranger.client.error(op)).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_A_MEMBER' } });
      }
    }
    expect(
      await stranger.client.error(stranger.client.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url: receiver.url } })),
    ).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'NOT_A_MEMBER' },
    });
    const member = await plainMember(owner, orgId);
    for (const op of [
      member.client.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url: receiver.url } }),
      member.client.request(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, description: 'x' } }),
      member.client.request(DeleteWebhookEndpointDocument, { id: endpoint.id }),
      member.client.query(OrganizationWebhookEndpointsDocument, { id: orgId, first: 20 }),
    ]) {
      expect(await member.client.error(op)).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'PERMISSION_REQUIRED', permission: 'webhooks:manage' } });
    }
    const anonymous = t.client();
    expect(await anonymous.error(anonymous.request(DeleteWebhookEndpointDocument, { id: endpoint.id }))).toMatchObject({ code: 'UNAUTHENTICATED' });
    // Nothing changed.
    expect((await endpointsOf(owner, orgId)).map((e) => [e.id, e.description])).toEqual([[endpoint.id, null]]);
  });

  test('update (omitted fields stay), bad input, and WEBHOOK_MAX_ENDPOINTS is FORBIDDEN LIMIT_REACHED', async () => {
    const owner = await person('crud');
    const orgId = await newOrganization(owner, 'Crud Inc');
    const { endpoint } = await createEndpoint(owner, { organizationId: orgId, description: 'first', eventTypes: ['organization.updated'] });
    const { updateWebhookEndpoint: updated } = await owner.client.request(UpdateWebhookEndpointDocument, {
      input: { id: endpoint.id, url: `${receiver.url}?v=2` },
    });
    expect(updated).toMatchObject({ url: `${receiver.url}?v=2`, description: 'first', eventTypes: ['organization.updated'], enabled: true });
    const { updateWebhookEndpoint: off } = await owner.client.request(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, enabled: false } });
    expect(off).toMatchObject({ enabled: false, disabledReason: 'MANUAL' });
    const { updateWebhookEndpoint: on } = await owner.client.request(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, enabled: true } });
    expect(on).toMatchObject({ enabled: true, disabledReason: null });
    const bad = [
      { input: { organizationId: orgId, url: 'not a url' }, field: 'url' },
      { input: { organizationId: orgId, url: 'ftp://example.com/x' }, field: 'url' },
      { input: { organizationId: orgId, url: receiver.url, eventTypes: ['no.such'] }, field: 'eventTypes' },
    ];
    for (const { input, field } of bad) {
      expect(await owner.client.error(owner.client.request(CreateWebhookEndpointDocument, { input }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        extensions: { field },
      });
    }
    await createEndpoint(owner, { organizationId: orgId });
    await createEndpoint(owner, { organizationId: orgId });
    const limit = await owner.client.error(owner.client.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url: receiver.url } }));
    expect(limit).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 'WEBHOOK_MAX_ENDPOINTS' } });
    const rows = await sql(`SELECT event FROM ${t.table('audit_events')} WHERE organization_id = $1`, [orgId]);
    expect(rows.map((r) => r.event)).toEqual(expect.arrayContaining(['webhook_endpoint.created', 'webhook_endpoint.updated']));
  });

  test('the secret appears only in the create/rotate answer', async () => {
    const owner = await person('secret');
    const orgId = await newOrganization(owner, 'Secret Inc');
    const { endpoint, secret } = await createEndpoint(owner, { organizationId: orgId });
    const bare = secret.slice('whsec_'.length);
    const { sendTestEvent } = await owner.client.request(SendTestEventDocument, { endpointId: endpoint.id });
    const rotated = await owner.client.request(RotateWebhookSecretDocument, { id: endpoint.id });
    const listed = JSON.stringify(await owner.client.query(OrganizationWebhookEndpointsDocument, { id: orgId, first: 20 }));
    for (const s of [secret, rotated.rotateWebhookSecret.secret]) {
      expect(listed).not.toContain(s);
      expect(listed).not.toContain(s.slice(6));
      expect(JSON.stringify(sendTestEvent)).not.toContain(s.slice(6));
    }
    const [row] = await sql(`SELECT secret, previous_secret FROM ${t.table('webhook_endpoints')} WHERE id = $1`, [endpoint.id]);
    expect(row.secret).toMatch(/^v1\.[A-Za-z0-9_-]{8}\./);
    expect(JSON.stringify(row)).not.toContain(bare);
    expect(JSON.stringify(row)).not.toContain(rotated.rotateWebhookSecret.secret.slice(6));
    const audit = await sql(`SELECT data FROM ${t.table('audit_events')} WHERE organization_id = $1`, [orgId]);
    expect(JSON.stringify(audit)).not.toContain(bare);
  });

  test('rotation grace: two signatures, the new one first; both verify', async () => {
    const owner = await person('rotate');
    const orgId = await newOrganization(owner, 'Rotate Inc');
    const { endpoint, secret: old } = await createEndpoint(owner, { organizationId: orgId, eventTypes: ['organization.updated'] });
    const { rotateWebhookSecret } = await owner.client.request(RotateWebhookSecretDocument, { id: endpoint.id });
    expect(rotateWebhookSecret.secret).not.toBe(old);
    await rename(owner, orgId, 'Rotated');
    const [hit] = await receiver.waitFor(1, (r) => r.body.type === 'organization.updated' && r.body.organizationId === orgId);
    const signatures = String(hit!.headers['webhook-signature']).split(' ');
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => /^v1,[A-Za-z0-9+/]{43}=$/.test(s))).toBe(true);
    verify(rotateWebhookSecret.secret, hit!);
    verify(old, hit!);
    // The new one first: alone, it is the first signature.
    expect(() => verify(rotateWebhookSecret.secret, { ...hit!, headers: { ...hit!.headers, 'webhook-signature': signatures[0] } })).not.toThrow();
    expect(() => verify(old, { ...hit!, headers: { ...hit!.headers, 'webhook-signature': signatures[0] } })).toThrow();
  });

  test('sendTestEvent: one attempt now, recorded as a delivery, not in the feed; disabled endpoints too', async () => {
    const owner = await person('test-event');
    const orgId = await newOrganization(owner, 'Test Event Inc');
    await stamped(orgId);
    const { endpoint, secret } = await createEndpoint(owner, { organizationId: orgId });
    await owner.client.request(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, enabled: false } });
    const { sendTestEvent } = await owner.client.request(SendTestEventDocument, { endpointId: endpoint.id });
    expect(sendTestEvent).toMatchObject({
      eventType: 'webhook.test',
      status: 'SUCCEEDED',
      attempts: 1,
      responseStatusCode: 200,
      responseBody: 'ok',
      nextAttemptAt: null,
    });
    const hit = receiver.received.find((r) => r.headers['webhook-id'] === sendTestEvent.eventId);
    expect(verify(secret, hit!)).toMatchObject({ type: 'webhook.test', aggregateType: 'webhook_endpoint', aggregateId: endpoint.id, organizationId: orgId });
    const { events } = await owner.client.query(EventsDocument, { organizationId: orgId });
    expect(events.nodes.map((e) => e.id)).not.toContain(sendTestEvent.eventId);
    // A refusing receiver: FAILED at once, with its status and body.
    receiver.respond = () => 503;
    try {
      const { sendTestEvent: failed } = await owner.client.request(SendTestEventDocument, { endpointId: endpoint.id });
      expect(failed).toMatchObject({
        status: 'FAILED',
        attempts: 1,
        responseStatusCode: 503,
        responseBody: 'refused 503',
        error: 'http_status',
        nextAttemptAt: null,
      });
    } finally {
      receiver.respond = () => 200;
    }
    const [row] = await endpointsOf(owner, orgId);
    // Newest first. (The organization's own first events, queued before it was disabled, wait while it is: MANUAL pauses.)
    const tests = row!.deliveries.nodes.filter((d) => d.eventType === 'webhook.test');
    expect(tests.map((d) => d.status)).toEqual(['FAILED', 'SUCCEEDED']);
    expect(row!.deliveries.nodes.filter((d) => d.eventType !== 'webhook.test').every((d) => d.status === 'PENDING' && d.attempts === 0)).toBe(true);
  });

  test('deliveries: newest first, paged with first/after, filtered by status; a bad cursor or page is BAD_USER_INPUT', async () => {
    const owner = await person('pages');
    const orgId = await newOrganization(owner, 'Pages Inc');
    const { endpoint } = await createEndpoint(owner, { organizationId: orgId, eventTypes: ['role.created'] });
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      receiver.respond = () => (i === 1 ? 500 : 200);
      try {
        sent.push((await owner.client.request(SendTestEventDocument, { endpointId: endpoint.id })).sendTestEvent.id);
      } finally {
        receiver.respond = () => 200;
      }
      clock.advance(1); // distinct createdAt
    }
    const page = async (variables: { first?: number; after?: string | null; status?: WebhookDeliveryStatus }) =>
      (await owner.client.query(OrganizationWebhookEndpointsDocument, { id: orgId, ...variables })).organization!.webhookEndpoints[0]!.deliveries;
    const first = await page({ first: 3 });
    expect(first.nodes.map((d) => d.id)).toEqual([sent[3], sent[2], sent[1]]);
    expect(first.hasNextPage).toBe(true);
    const rest = await page({ first: 3, after: first.endCursor });
    expect(rest.nodes.map((d) => d.id)).toEqual([sent[0]]);
    expect(rest.hasNextPage).toBe(false);
    const failed = await page({ first: 10, status: 'FAILED' });
    expect(failed.nodes.map((d) => d.id)).toEqual([sent[1]]);
    for (const variables of [{ first: 3, after: 'bogus' }, { first: 0 }, { first: 101 }]) {
      expect(await owner.client.error(page(variables))).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
  });

  test('replayDelivery: a new PENDING delivery with the same webhook-id; a disabled endpoint and a test message are BAD_USER_INPUT', async () => {
    const owner = await person('replay');
    const orgId = await newOrganization(owner, 'Replay Inc');
    const { endpoint } = await createEndpoint(owner, { organizationId: orgId, eventTypes: ['organization.updated'] });
    await rename(owner, orgId, 'Replayed');
    const [first] = await receiver.waitFor(1, (r) => r.body.type === 'organization.updated' && r.body.organizationId === orgId);
    const [delivered] = (await endpointsOf(owner, orgId))[0]!.deliveries.nodes;
    const { replayDelivery } = await owner.client.request(ReplayDeliveryDocument, { id: delivered!.id });
    expect(replayDelivery).toMatchObject({ eventId: delivered!.eventId, status: 'PENDING', attempts: 0 });
    expect(replayDelivery.id).not.toBe(delivered!.id);
    const again = await receiver.waitFor(2, (r) => r.headers['webhook-id'] === first!.headers['webhook-id']);
    expect(again[1]!.raw).toBe(first!.raw);
    const { sendTestEvent } = await owner.client.request(SendTestEventDocument, { endpointId: endpoint.id });
    expect(await owner.client.error(owner.client.request(ReplayDeliveryDocument, { id: sendTestEvent.id }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    await owner.client.request(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, enabled: false } });
    expect(await owner.client.error(owner.client.request(ReplayDeliveryDocument, { id: delivered!.id }))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  test('deleteWebhookEndpoint drops its pending deliveries; deleteOrganization removes its endpoints', async () => {
    const owner = await person('delete');
    const orgId = await newOrganization(owner, 'Delete Inc');
    const { endpoint } = await createEndpoint(owner, { organizationId: orgId, url: `${receiver.url}/down` });
    receiver.respond = (r) => (r.body.organizationId === orgId ? 500 : 200);
    try {
      await rename(owner, orgId, 'Deleting');
      await receiver.waitFor(1, (r) => r.body.organizationId === orgId);
      // organization.created and membership.created too: stamped after the endpoint existed.
      const pending = await sql(`SELECT status FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = $1`, [endpoint.id]);
      expect(pending.length).toBeGreaterThan(0);
      expect(pending.every((r) => r.status === 'PENDING')).toBe(true);
      expect(await owner.client.request(DeleteWebhookEndpointDocument, { id: endpoint.id })).toEqual({ deleteWebhookEndpoint: true });
      expect(await sql(`SELECT 1 FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = $1`, [endpoint.id])).toEqual([]);
      expect(await endpointsOf(owner, orgId)).toEqual([]);
    } finally {
      receiver.respond = () => 200;
    }
    const { endpoint: kept } = await createEndpoint(owner, { organizationId: orgId });
    await owner.client.request(DeleteOrganizationDocument, { organizationId: orgId });
    expect(await sql(`SELECT 1 FROM ${t.table('webhook_endpoints')} WHERE id = $1`, [kept.id])).toEqual([]);
  });

  test('a rolled-back change queues nothing', async () => {
    const global = await createEndpoint(admin, { organizationId: null, eventTypes: ['user.created'] });
    const email = uniqueEmail('rolled-back');
    t.inbox.refuse(550);
    try {
      const error = await t.client().error(t.client().request(SignupDocument, { input: { email, password: PASSWORD } }));
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      t.inbox.accept();
    }
    // The same address then signs up for real: its user.created comes, and only that one.
    const real = await person('rolled-back', email);
    await receiver.waitFor(1, (r) => r.body.type === 'user.created' && r.body.aggregateId === real.userId);
    await sleep(300);
    const forEmail = receiver.received.filter((r) => JSON.stringify(r.body.data).includes(email) && r.body.type === 'user.created');
    expect(forEmail.map((r) => r.body.aggregateId)).toEqual([real.userId]);
    // Every delivery queued for the endpoint is of a user that exists: the refused signup left none.
    const queued = await sql(
      `SELECT d.aggregate_id, u.id AS user_id FROM ${t.table('webhook_deliveries')} d LEFT JOIN ${t.table('users')} u ON u.id::text = d.aggregate_id
       WHERE d.endpoint_id = $1 AND d.event_type = 'user.created'`,
      [global.endpoint.id],
    );
    expect(queued.filter((r) => r.user_id === null)).toEqual([]);
    expect(queued.filter((r) => r.aggregate_id === real.userId)).toHaveLength(1);
    await admin.client.request(DeleteWebhookEndpointDocument, { id: global.endpoint.id });
  });

  test("an organization's API key manages its endpoints within webhooks:manage; a global endpoint is out of its reach", async () => {
    const owner = await person('key-owner');
    const orgId = await newOrganization(owner, 'Key Inc');
    const { endpoint } = await createEndpoint(owner, { organizationId: orgId });
    const { createApiKey } = await owner.client.request(CreateApiKeyDocument, { input: { organizationId: orgId, name: 'hooks', scopes: ['webhooks:manage'] } });
    const key = t.client({ authorization: `Bearer ${createApiKey.secret}` });
    const { updateWebhookEndpoint } = await key.request(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, description: 'by key' } });
    expect(updateWebhookEndpoint.description).toBe('by key');
    const listed = await key.query(OrganizationWebhookEndpointsDocument, { id: orgId, first: 20 });
    expect(listed.organization!.webhookEndpoints.map((e) => e.id)).toEqual([endpoint.id]);
    const { sendTestEvent } = await key.request(SendTestEventDocument, { endpointId: endpoint.id });
    expect(sendTestEvent.status).toBe('SUCCEEDED');
    // Create and rotate need a recent sign-in: never a key.
    expect(await key.error(key.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url: receiver.url } }))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'API_KEY' },
    });
    const global = await createEndpoint(admin, { organizationId: null });
    expect(await key.error(key.request(DeleteWebhookEndpointDocument, { id: global.endpoint.id }))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'NOT_A_MEMBER' },
    });
    await admin.client.request(DeleteWebhookEndpointDocument, { id: global.endpoint.id });
    // A key without webhooks:manage is refused before anything runs.
    const { createApiKey: narrow } = await owner.client.request(CreateApiKeyDocument, { input: { organizationId: orgId, name: 'read', scopes: ['org:read'] } });
    const weak = t.client({ authorization: `Bearer ${narrow.secret}` });
    expect(await weak.error(weak.request(DeleteWebhookEndpointDocument, { id: endpoint.id }))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'API_KEY' },
    });
    expect((await endpointsOf(owner, orgId)).map((e) => e.id)).toEqual([endpoint.id]);
  });
});

/** The relay's stamping transaction failing after the webhooks queue ran (its own app: a fault module composed in). */
describe('webhooks: a stamping transaction that rolls back', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  /** A fault in the relay's stamping transaction: an eventsStamped listener (after the webhooks queue's) that throws once for an organization's events. */
  const stampFault = { organizationId: null as string | null, thrown: 0 };
  const fault: WardenModule = {
    name: 'webhooks-stamp-fault',
    build: () => ({
      instances: [],
      hooks: {
        eventsStamped: [
          {
            queue: async (_em, events) => {
              if (stampFault.organizationId !== null && events.some((e) => e.organizationId === stampFault.organizationId)) {
                stampFault.organizationId = null;
                stampFault.thrown++;
                throw new Error('injected fault in the stamping transaction');
              }
            },
          },
        ],
      },
    }),
    entities: [],
    resolvers: [],
  };
  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ env: { OUTBOX_POLL_INTERVAL_MS: '50', WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' }, modules: [...wardenModules, fault] });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.stop();
  });

  test('a stamping transaction that rolls back leaves no delivery; the events are stamped and delivered once on the next pass', async () => {
    const email = uniqueEmail('stamp-fault');
    const owner = { client: t.client(), email };
    await signUpAndVerify(t, owner.client, email);
    const orgId = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Stamp Fault Inc' } })).createOrganization.id;
    const { endpoint } = (
      await owner.client.request(CreateWebhookEndpointDocument, { input: { organizationId: orgId, url: receiver.url, eventTypes: ['organization.updated'] } })
    ).createWebhookEndpoint;
    stampFault.organizationId = orgId;
    await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: orgId, name: 'Stamp Fault 2' } });
    const [hit] = await receiver.waitFor(1, (r) => r.body.organizationId === orgId && r.body.type === 'organization.updated');
    expect(stampFault.thrown).toBe(1); // the first stamping of this event rolled back (its queued delivery with it)
    await sleep(300);
    expect(receiver.received.filter((r) => r.body.organizationId === orgId && r.body.type === 'organization.updated')).toHaveLength(1);
    const rows = await t.app.dataSource.query(`SELECT event_id, status, attempts FROM ${t.table('webhook_deliveries')} WHERE endpoint_id = $1`, [endpoint.id]);
    expect(rows).toEqual([{ event_id: hit!.headers['webhook-id'], status: 'SUCCEEDED', attempts: 1 }]);
    const [event] = await t.app.dataSource.query(`SELECT sequence FROM ${t.table('events')} WHERE id = $1`, [hit!.headers['webhook-id']]);
    expect(event.sequence).toBe(hit!.body.sequence);
  });
});
