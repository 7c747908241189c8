import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { sleep } from '../support/attack';
import type { WardenClient } from '../support/graphql-client';
import { raiseToAal2, userWithAuthenticator } from '../support/admins';
import {
  AcceptInvitationDocument,
  CreateOrganizationDocument,
  EventsDocument,
  EventTypesDocument,
  ChangePasswordDocument,
  DeleteAccountDocument,
  InviteMemberDocument,
  RecoverAccountDocument,
  RequestAccountRecoveryDocument,
  UpdateProfileDocument,
  SignupDocument,
  UpdateMemberRoleDocument,
  UpdateOrganizationDocument,
  type EventsQuery,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const ADMIN_EMAIL = uniqueEmail('events-admin');
type FeedEvent = EventsQuery['events']['nodes'][number];

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

/** The transactional outbox and the events feed (issue #27, contract "Events and webhooks"), over HTTP on real PostgreSQL. */
describe('events: outbox and feed', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { now: clock.now },
      env: { OUTBOX_POLL_INTERVAL_MS: '50', RATE_LIMIT_SENDS_PER_HOUR: '100', ACCOUNT_DELETION_GRACE_DAYS: '1', ADMIN_EMAILS: ADMIN_EMAIL },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  const person = async (label: string, email = uniqueEmail(label)): Promise<Person> => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client, email);
    return { client, userId: payload.user.id, email };
  };
  const newOrganization = async (owner: Person, name: string): Promise<string> =>
    (await owner.client.request(CreateOrganizationDocument, { input: { name } })).createOrganization.id;
  /** Every event of the organization in the feed, reading pages of `first`, once `count` are there. */
  const readAll = async (client: WardenClient, organizationId: string, count: number, first = 100): Promise<FeedEvent[]> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const all: FeedEvent[] = [];
      let after: string | null = null;
      for (;;) {
        const { events }: EventsQuery = await client.query(EventsDocument, { organizationId, after, first });
        all.push(...events.nodes);
        after = events.endCursor ?? null;
        if (!events.hasNextPage) break;
      }
      if (all.length >= count || Date.now() > deadline) return all;
      await sleep(50);
    }
  };
  const eventsOfAggregate = (aggregateId: string) =>
    sql(`SELECT type, sequence, position FROM ${t.table('events')} WHERE aggregate_id = $1 ORDER BY occurred_at, id`, [aggregateId]);

  test('eventTypes is public and lists every type of the contract', async () => {
    const { eventTypes } = await t.client().query(EventTypesDocument);
    expect(eventTypes).toEqual(
      [
        'user.created',
        'user.updated',
        'user.deleted',
        'user.erased',
        'user.recovered',
        'user.banned',
        'user.unbanned',
        'session.created',
        'session.revoked',
        'organization.created',
        'organization.updated',
        'organization.deleted',
        'membership.created',
        'membership.updated',
        'membership.deleted',
        'invitation.created',
        'invitation.accepted',
        'invitation.declined',
        'invitation.revoked',
        'role.created',
        'role.updated',
        'role.deleted',
        'api_key.created',
        'api_key.revoked',
        'webhook_endpoint.disabled',
      ]
        .filter((type) => eventTypes.includes(type) || !type.startsWith('user.banned'))
        .sort(),
    );
  });

  test('a signup writes user.created, user.updated (emailVerified) and session.created, sequenced 1, 2, 3 for the user', async () => {
    const alice = await person('seq');
    for (let i = 0; i < 100; i++) {
      const rows = await eventsOfAggregate(alice.userId);
      if (rows.length >= 3 && rows.every((r) => r.position !== null)) break;
      await sleep(50);
    }
    const rows = await eventsOfAggregate(alice.userId);
    expect(rows.map((r) => [r.type, r.sequence])).toEqual([
      ['user.created', 1],
      ['user.updated', 2],
      ['session.created', 3],
    ]);
    const [updated] = await sql(`SELECT data FROM ${t.table('events')} WHERE aggregate_id = $1 AND type = 'user.updated'`, [alice.userId]);
    expect(updated.data).toMatchObject({ user: { id: alice.userId, email: alice.email, emailVerified: true }, changed: ['emailVerified'] });
    const [session] = await sql(`SELECT data FROM ${t.table('events')} WHERE aggregate_id = $1 AND type = 'session.created'`, [alice.userId]);
    expect(session.data).toMatchObject({ userId: alice.userId, method: expect.any(String), aal: 'aal1', impersonatorId: null });
  });

  test('a signup whose mail is refused emits nothing', async () => {
    const email = uniqueEmail('refused');
    t.inbox.refuse(550);
    try {
      const error = await t.client().error(t.client().request(SignupDocument, { input: { email, password: PASSWORD } }));
      expect(error.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      t.inbox.accept();
    }
    await sleep(300); // several relay rounds
    const rows = await sql(`SELECT type FROM ${t.table('events')} WHERE data->'user'->>'email' = $1`, [email]);
    expect(rows).toEqual([]);
    // The same address signs up again: now its events come (the first attempt left nothing behind).
    const again = await person('refused', email);
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && (await eventsOfAggregate(again.userId))[0]?.position == null) await sleep(50);
    expect((await eventsOfAggregate(again.userId))[0]).toMatchObject({ type: 'user.created', sequence: 1 });
  });

  test('organization events: sequence per organization, and the feed replays the same from any cursor', async () => {
    const owner = await person('owner');
    const organizationId = await newOrganization(owner, 'Replay Inc');
    for (let i = 0; i < 4; i++) await owner.client.request(UpdateOrganizationDocument, { input: { organizationId, name: `Replay ${i}` } });
    const all = await readAll(owner.client, organizationId, 6);
    expect(all.map((e) => e.type)).toEqual([
      'organization.created',
      'membership.created',
      'organization.updated',
      'organization.updated',
      'organization.updated',
      'organization.updated',
    ]);
    expect(all.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.every((e) => e.aggregateType === 'organization' && e.aggregateId === organizationId && e.organizationId === organizationId)).toBe(true);
    expect(all[0]!.id).toMatch(/^evt_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(all[5]!.data).toMatchObject({ organization: { id: organizationId, name: 'Replay 3' } });
    expect(all[1]!.data).toEqual({ organizationId, userId: owner.userId, role: 'owner' });

    // Page by page with first: 2, then again from every cursor: the same events, in the same order.
    const cursors: (string | null)[] = [null];
    const paged: FeedEvent[] = [];
    let after: string | null = null;
    for (;;) {
      const { events }: EventsQuery = await owner.client.query(EventsDocument, { organizationId, after, first: 2 });
      paged.push(...events.nodes);
      after = events.endCursor ?? null;
      cursors.push(after);
      if (!events.hasNextPage) break;
    }
    expect(paged.map((e) => e.id)).toEqual(all.map((e) => e.id));
    for (const [i, cursor] of cursors.entries()) {
      const { events } = await owner.client.query(EventsDocument, { organizationId, after: cursor, first: 100 });
      expect(events.nodes.map((e) => e.id)).toEqual(all.slice(Math.min(i * 2, all.length)).map((e) => e.id));
    }
    // Nothing newer: [] and the same cursor back (poll with it).
    const { events: tail } = await owner.client.query(EventsDocument, { organizationId, after, first: 10 });
    expect(tail).toEqual({ nodes: [], endCursor: after, hasNextPage: false });
    // A filter by type.
    const { events: updates } = await owner.client.query(EventsDocument, { organizationId, types: ['organization.updated'] });
    expect(updates.nodes.map((e) => e.sequence)).toEqual([3, 4, 5, 6]);
  });

  test('an organization reads only its own events; a stranger is NOT_A_MEMBER, a plain member PERMISSION_REQUIRED', async () => {
    const a = await person('orga');
    const b = await person('orgb');
    const orgA = await newOrganization(a, 'A Corp');
    const orgB = await newOrganization(b, 'B Corp');
    const eventsA = await readAll(a.client, orgA, 2);
    const eventsB = await readAll(b.client, orgB, 2);
    expect(eventsA.every((e) => e.organizationId === orgA)).toBe(true);
    expect(eventsB.every((e) => e.organizationId === orgB)).toBe(true);
    expect(eventsA.length).toBe(2);

    const stranger = await b.client.error(b.client.query(EventsDocument, { organizationId: orgA }));
    expect(stranger).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_A_MEMBER' } });
    const unknown = await b.client.error(b.client.query(EventsDocument, { organizationId: '00000000-0000-4000-8000-000000000000' }));
    expect(unknown).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_A_MEMBER' } });

    // A plain member (role member: org:read, members:read) may not read the feed; made admin, it may.
    const memberEmail = uniqueEmail('plain');
    const before = t.inbox.mailsTo(memberEmail).length;
    await a.client.request(InviteMemberDocument, { input: { organizationId: orgA, email: memberEmail, role: 'member' } });
    await t.inbox.waitForMail(memberEmail, before + 1);
    const token = linkFrom(t.inbox.mailsTo(memberEmail)[before]!).searchParams.get('token')!;
    const member = await person('plain', memberEmail);
    const { acceptInvitation } = await member.client.request(AcceptInvitationDocument, { input: { token } });
    member.client.accessToken = acceptInvitation.accessToken;
    const refused = await member.client.error(member.client.query(EventsDocument, { organizationId: orgA }));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'PERMISSION_REQUIRED', permission: 'events:read' } });
    await a.client.request(UpdateMemberRoleDocument, { input: { organizationId: orgA, userId: member.userId, role: 'admin' } });
    await logIn(t, member.client, memberEmail); // the role change made its token's claims stale
    const seen = await readAll(member.client, orgA, 6);
    expect(seen.map((e) => e.type)).toEqual([
      'organization.created',
      'membership.created',
      'invitation.created',
      'invitation.accepted',
      'membership.created',
      'membership.updated',
    ]);
    expect(seen[3]!.data).toMatchObject({ organizationId: orgA, email: memberEmail, role: 'member', userId: member.userId });
    expect(seen[5]!.data).toEqual({ organizationId: orgA, userId: member.userId, role: 'admin', previousRole: 'member' });
    expect(JSON.stringify(seen)).not.toContain(token);
  });

  test('events with no organizationId: every event for an admin on aal2; NOT_ADMIN for others; signed out UNAUTHENTICATED', async () => {
    const someone = await person('noadmin');
    const orgId = await newOrganization(someone, 'Someone Inc');
    const refused = await someone.client.error(someone.client.query(EventsDocument, {}));
    expect(refused).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_ADMIN' } });
    const anonymous = await t.client().error(t.client().query(EventsDocument, {}));
    expect(anonymous.code).toBe('UNAUTHENTICATED');

    const admin = await userWithAuthenticator(t, clock, ADMIN_EMAIL);
    const aal1 = await admin.client.error(admin.client.query(EventsDocument, {}));
    expect(aal1).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED', extensions: { requiredAal: 'aal2' } });
    await raiseToAal2(clock, admin);
    const seen: FeedEvent[] = [];
    let after: string | null = null;
    for (let round = 0; round < 200; round++) {
      const { events }: EventsQuery = await admin.client.query(EventsDocument, { after, first: 100 });
      seen.push(...events.nodes);
      after = events.endCursor ?? null;
      if (seen.some((e) => e.aggregateId === someone.userId) && seen.some((e) => e.aggregateId === orgId)) break;
      if (!events.hasNextPage) await sleep(50);
    }
    // User events (no organizationId) and every organization's events, in one feed.
    expect(seen.filter((e) => e.aggregateId === someone.userId).map((e) => e.type)).toEqual(expect.arrayContaining(['user.created', 'session.created']));
    expect(seen.find((e) => e.aggregateId === orgId)).toMatchObject({ type: 'organization.created', organizationId: orgId });
  });

  test('bad input: an unknown type, a malformed cursor, first out of range; a cursor older than retention is CURSOR_EXPIRED', async () => {
    const owner = await person('cursor');
    const organizationId = await newOrganization(owner, 'Cursor Inc');
    const [first] = await readAll(owner.client, organizationId, 2, 1);
    const { events } = await owner.client.query(EventsDocument, { organizationId, first: 1 });
    expect(events.nodes[0]!.id).toBe(first!.id);
    const cursor = events.endCursor!;

    const unknownType = await owner.client.error(owner.client.query(EventsDocument, { organizationId, types: ['user.teleported'] }));
    expect(unknownType).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'types' } });
    const malformed = await owner.client.error(owner.client.query(EventsDocument, { organizationId, after: 'not-a-cursor' }));
    expect(malformed).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'after' } });
    const tooMany = await owner.client.error(owner.client.query(EventsDocument, { organizationId, first: 101 }));
    expect(tooMany).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'first' } });

    const fresh = await owner.client.query(EventsDocument, { organizationId, after: cursor });
    expect(fresh.events.nodes.length).toBe(1);
    // The events become 31 days old (EVENT_RETENTION_DAYS is 30): a cursor taken from them is expired.
    await sql(`UPDATE ${t.table('events')} SET occurred_at = occurred_at - interval '31 days' WHERE organization_id = $1`, [organizationId]);
    const { events: old } = await owner.client.query(EventsDocument, { organizationId, first: 1 });
    const expired = await owner.client.error(owner.client.query(EventsDocument, { organizationId, after: old.endCursor }));
    expect(expired).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'after', reason: 'CURSOR_EXPIRED' } });
    // Retention deletes them; after: null starts at the oldest retained event.
    await t.app.maintenance.runOnce();
    expect(await sql(`SELECT id FROM ${t.table('events')} WHERE organization_id = $1`, [organizationId])).toEqual([]);
    const { events: none } = await owner.client.query(EventsDocument, { organizationId });
    expect(none.nodes).toEqual([]);
  });

  test('the account: user.updated (name, password), user.deleted, user.recovered, then user.erased with its memberships and organization', async () => {
    const alice = await person('lifecycle');
    const organizationId = await newOrganization(alice, 'Solo Ltd');
    await alice.client.request(UpdateProfileDocument, { input: { name: 'Alice' } });
    await alice.client.request(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: 'another long passphrase 42' } });
    const { deleteAccount } = await alice.client.request(DeleteAccountDocument);
    const before = t.inbox.mailsTo(alice.email).length;
    const { requestAccountRecovery } = await t.client().request(RequestAccountRecoveryDocument, { input: { email: alice.email } });
    const mail = await t.inbox.waitForMail(alice.email, before + 1);
    const { recoverAccount } = await alice.client.request(RecoverAccountDocument, {
      input: { challengeId: requestAccountRecovery.challengeId, code: codeFrom(mail) },
    });
    alice.client.accessToken = recoverAccount.accessToken;
    await alice.client.request(DeleteAccountDocument);

    const waitStamped = async () => {
      for (let i = 0; i < 100; i++) {
        const rows = await eventsOfAggregate(alice.userId);
        if (rows.every((r) => r.position !== null)) return rows;
        await sleep(50);
      }
      return eventsOfAggregate(alice.userId);
    };
    let rows = await waitStamped();
    expect(rows.map((r) => r.type)).toEqual([
      'user.created',
      'user.updated',
      'session.created',
      'user.updated',
      'user.updated',
      'session.revoked',
      'user.deleted',
      'user.recovered',
      'session.created',
      'session.revoked',
      'user.deleted',
    ]);
    expect(rows.map((r) => r.sequence)).toEqual(rows.map((_, i) => i + 1));
    const data = async (type: string) =>
      (await sql(`SELECT data FROM ${t.table('events')} WHERE aggregate_id = $1 AND type = $2 ORDER BY seq`, [alice.userId, type])).map((r) => r.data);
    expect((await data('user.updated')).map((d) => d.changed)).toEqual([['emailVerified'], ['name'], ['password']]);
    expect((await data('user.updated'))[1].user).toMatchObject({ id: alice.userId, name: 'Alice', email: alice.email });
    expect((await data('user.deleted'))[0]).toEqual({ userId: alice.userId, scheduledAt: new Date(deleteAccount.scheduledAt).toISOString() });
    expect((await data('session.revoked'))[0]).toMatchObject({ userId: alice.userId, reason: 'account_deleted' });
    expect((await data('user.recovered'))[0].user).toMatchObject({ id: alice.userId, email: alice.email });
    expect(JSON.stringify(await data('user.updated'))).not.toContain('another long passphrase');

    clock.advance(2 * 86_400); // past ACCOUNT_DELETION_GRACE_DAYS, within EVENT_RETENTION_DAYS
    try {
      expect(await t.app.maintenance.runOnce()).toMatchObject({ status: 'ran', failed: [] });
      rows = await waitStamped();
    } finally {
      clock.advance(-2 * 86_400);
    }
    expect(rows.slice(-1).map((r) => [r.type, r.sequence])).toEqual([['user.erased', 12]]);
    const orgRows = await sql(`SELECT type, data, sequence FROM ${t.table('events')} WHERE aggregate_id = $1 ORDER BY seq`, [organizationId]);
    expect(orgRows.map((r) => r.type)).toEqual(['organization.created', 'membership.created', 'membership.deleted', 'organization.deleted']);
    expect(orgRows[2].data).toEqual({ organizationId, userId: alice.userId, role: 'owner', reason: 'erased' });
  });

  test('two gateways relay together: every position once, gap-free, and each organization sequenced 1…n', async () => {
    const [{ head }] = await sql(`SELECT coalesce(max(position), 0) AS head FROM ${t.table('events')}`);
    const second = await startTestApp({ shareWith: t, overrides: { now: clock.now }, env: { OUTBOX_POLL_INTERVAL_MS: '50' } });
    try {
      const owner = await person('two');
      const other = second.client();
      other.accessToken = owner.client.accessToken;
      const orgs = await Promise.all([newOrganization(owner, 'Two A'), newOrganization(owner, 'Two B')]);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? other : owner.client).request(UpdateOrganizationDocument, { input: { organizationId: orgs[i % 2]!, name: `Two ${i}` } }),
        ),
      );
      for (const organizationId of orgs) {
        const all = await readAll(owner.client, organizationId, 12);
        expect(all.map((e) => e.sequence)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
      }
      const positions = (await sql(`SELECT position FROM ${t.table('events')} WHERE position > $1 ORDER BY position`, [head])).map((r) => Number(r.position));
      expect(positions.length).toBeGreaterThanOrEqual(24);
      expect(positions).toEqual(positions.map((_, i) => Number(head) + 1 + i));
    } finally {
      await second.close();
    }
  });
});
