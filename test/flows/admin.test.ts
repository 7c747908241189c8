import { randomInt } from 'node:crypto';
import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import type { WardenClient } from '../support/graphql-client';
import {
  CreateOrganizationDocument,
  LoginDocument,
  RefreshSessionDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  ViewerDocument,
} from '../graphql/generated/graphql';

jest.setTimeout(180_000);

const doc = (text: TemplateStringsArray) => gql(text) as TypedDocumentNode<any, any>;
const USER_FIELDS = `id email emailVerified phone name status isAdmin bannedUntil banReason deletionScheduledAt lastSignInAt mfaEnabled
  memberships { organizationId organizationName role joinedAt } sessions { id current }`;
const AdminUsers = gql(`query AdminUsers($filter: AdminUserFilter, $first: Int, $after: String) {
  adminUsers(filter: $filter, first: $first, after: $after) { nodes { ${USER_FIELDS} } endCursor hasNextPage } }`) as TypedDocumentNode<any, any>;
const AdminUser = gql(`query AdminUser($id: ID!) { adminUser(id: $id) { ${USER_FIELDS} } }`) as TypedDocumentNode<any, any>;
const Ban = doc`
  mutation Ban($input: BanUserInput!) { banUser(input: $input) { id status bannedUntil banReason } }
`;
const Unban = doc`
  mutation Unban($userId: ID!) { unbanUser(userId: $userId) { id status } }
`;
const RevokeAll = doc`
  mutation RevokeAll($userId: ID!) { adminRevokeSessions(userId: $userId) }
`;
const DeleteUser = doc`
  mutation DeleteUser($input: AdminDeleteUserInput!) { adminDeleteUser(input: $input) }
`;
const Invite = doc`
  mutation Invite($input: InviteMemberInput!) { inviteMember(input: $input) { id } }
`;
const Accept = doc`
  mutation Accept($input: InvitationRefInput!) { acceptInvitation(input: $input) { accessToken } }
`;

const clock = new TestClock();
const stamp = Date.now().toString(36);
const ADMIN = `root.${stamp}@example.com`;
const OTHER_ADMIN = `root2.${stamp}@example.com`;
const REAUTH = 300;

describe('administration: admin fields over HTTP', () => {
  let t: TestApp;
  let admin: TwoFactorUser;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { ADMIN_EMAILS: `${ADMIN},${OTHER_ADMIN}`, REAUTH_MAX_AGE_SECONDS: String(REAUTH) } });
    admin = await userWithAuthenticator(t, clock, ADMIN);
    await raiseToAal2(clock, admin);
  });
  afterAll(() => t?.close());

  /** The admin's session authenticated again just now (admin mutations need recent authentication). */
  const fresh = () => raiseToAal2(clock, admin);
  const auditRows = (event: string, userId: string | null) =>
    t.app.dataSource.query(
      `SELECT user_id, actor_id, data FROM ${t.table('audit_events')} WHERE event = $1 AND ($2::uuid IS NULL OR user_id = $2) ORDER BY created_at`,
      [event, userId],
    ) as Promise<{ user_id: string | null; actor_id: string | null; data: Record<string, unknown> }[]>;

  const eventsOf = (userId: string) =>
    t.app.dataSource.query(`SELECT type, data FROM ${t.table('events')} WHERE aggregate_type = 'user' AND aggregate_id = $1 ORDER BY seq`, [userId]) as Promise<
      { type: string; data: Record<string, unknown> }[]
    >;

  async function signedIn(label: string): Promise<{ client: WardenClient; email: string; userId: string }> {
    const client = t.client();
    const email = uniqueEmail(label);
    const payload = await signUpAndVerify(t, client, email);
    return { client, email, userId: payload.user.id };
  }

  test('a non-admin calling every admin field is FORBIDDEN NOT_ADMIN, with the same message and no data', async () => {
    // An organization owner at aal2: organization roles give no platform rights.
    const owner = await userWithAuthenticator(t, clock, uniqueEmail('owner'));
    await owner.client.request(CreateOrganizationDocument, { input: { name: `Org ${stamp}` } });
    await raiseToAal2(clock, owner);
    const plain = await signedIn('plain');
    const target = admin.userId;
    const calls: [string, TypedDocumentNode<any, any>, Record<string, unknown>][] = [
      ['adminUsers', AdminUsers, { filter: { query: 'root' } }],
      ['adminUser', AdminUser, { id: target }],
      ['banUser', Ban, { input: { userId: target, reason: 'x' } }],
      ['unbanUser', Unban, { userId: target }],
      ['adminRevokeSessions', RevokeAll, { userId: target }],
      ['adminDeleteUser', DeleteUser, { input: { userId: target, reason: 'x' } }],
    ];
    for (const client of [owner.client, plain.client]) {
      for (const [field, document, variables] of calls) {
        const run =
          field.startsWith('admin') && !field.includes('Revoke') && !field.includes('Delete')
            ? client.query(document, variables)
            : client.request(document, variables);
        const error = await client.error(run);
        expect(error).toMatchObject({ code: 'FORBIDDEN', message: 'This needs a platform admin.', extensions: { reason: 'NOT_ADMIN' } });
        expect(Object.keys(error.extensions).sort()).toEqual(['code', 'reason']);
      }
    }
    // Nothing happened to the target.
    const { adminUser } = await admin.client.query(AdminUser, { id: target });
    expect(adminUser).toMatchObject({ status: 'ACTIVE', isAdmin: true });
    // Without a bearer: UNAUTHENTICATED.
    expect(await t.client().error(t.client().query(AdminUsers, {}))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('admin mutations need recent authentication; admin reads only aal2', async () => {
    const target = await signedIn('recent');
    clock.advance(REAUTH + 1);
    expect(await admin.client.error(admin.client.request(RevokeAll, { userId: target.userId }))).toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
      extensions: { maxAgeSeconds: REAUTH },
    });
    await expect(admin.client.query(AdminUser, { id: target.userId })).resolves.toMatchObject({ adminUser: { id: target.userId } });
    await fresh();
    await expect(admin.client.request(RevokeAll, { userId: target.userId })).resolves.toEqual({ adminRevokeSessions: 1 });
  });

  test('adminUsers: prefix search on email, name and phone; % and _ are literal; status filter; newest first; cursors', async () => {
    const prefix = `srch${stamp}`;
    const a = await signedIn(`${prefix}a`);
    const b = await signedIn(`${prefix}b`);
    const c = await signedIn(`${prefix}_c`);
    const phone = `+1202${String(randomInt(1_000_000, 9_999_999))}`;
    await t.app.dataSource.query(`UPDATE ${t.table('users')} SET name = $2, phone = $3, phone_verified = true WHERE id = $1`, [
      a.userId,
      `Quintus ${stamp}`,
      phone,
    ]);
    const search = async (filter: Record<string, unknown>, first = 20, after?: string) =>
      (await admin.client.query(AdminUsers, { filter, first, after })).adminUsers as {
        nodes: { id: string }[];
        endCursor: string | null;
        hasNextPage: boolean;
      };
    const ids = async (filter: Record<string, unknown>) => (await search(filter)).nodes.map((n) => n.id);

    // Email prefix, case-insensitive, newest first.
    expect(await ids({ query: prefix.toUpperCase() })).toEqual([c.userId, b.userId, a.userId]);
    // _ and % are characters, not wildcards.
    expect(await ids({ query: `${prefix}_` })).toEqual([c.userId]);
    expect(await ids({ query: `${prefix}%` })).toEqual([]);
    expect(await ids({ query: `srch_${stamp}` })).toEqual([]);
    // Name prefix, any case; phone with spaces and dashes, with or without +.
    expect(await ids({ query: `quintus ${stamp}`.toUpperCase() })).toEqual([a.userId]);
    expect(await ids({ query: `${phone.slice(0, 2)} ${phone.slice(2, 5)}-${phone.slice(5, 9)}` })).toEqual([a.userId]);
    expect(await ids({ query: phone.slice(1, 9) })).toEqual([a.userId]);
    // Pages of 2: a cursor continues where the page ended.
    const one = await search({ query: prefix }, 2);
    expect(one.nodes.map((n) => n.id)).toEqual([c.userId, b.userId]);
    expect(one.hasNextPage).toBe(true);
    const two = await search({ query: prefix }, 2, one.endCursor!);
    expect(two.nodes.map((n) => n.id)).toEqual([a.userId]);
    expect(two.hasNextPage).toBe(false);
    // Status: a banned user is BANNED and not ACTIVE; other filters AND.
    await fresh();
    await admin.client.request(Ban, { input: { userId: b.userId, reason: 'spam' } });
    expect(await ids({ query: prefix, status: 'BANNED' })).toEqual([b.userId]);
    expect(await ids({ query: prefix, status: 'ACTIVE' })).toEqual([c.userId, a.userId]);
    expect(await ids({ query: prefix, status: 'PENDING_DELETION' })).toEqual([]);
    expect(await ids({ query: prefix, emailVerified: false })).toEqual([]);
    // Bad input: its field, never a 500.
    expect(await admin.client.error(admin.client.query(AdminUsers, { filter: { query: 'x' } }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'query' },
    });
    expect(await admin.client.error(admin.client.query(AdminUsers, { after: 'bm90LWEtY3Vyc29y' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { field: 'after' },
    });
    expect(await admin.client.error(admin.client.query(AdminUsers, { first: 0 }))).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'first' } });
    // Each read is audited with the admin as actor.
    const listed = await auditRows('admin.users_listed', admin.userId);
    expect(listed.length).toBeGreaterThan(5);
    expect(listed.every((r) => r.actor_id === admin.userId)).toBe(true);
  });

  test('adminUser: sessions, factors (kinds only), memberships, status; null for an unknown id', async () => {
    const { adminUser: self } = await admin.client.query(AdminUser, { id: admin.userId });
    expect(self).toMatchObject({ email: ADMIN, isAdmin: true, mfaEnabled: true, status: 'ACTIVE' });
    expect(self.sessions.length).toBeGreaterThanOrEqual(1);
    expect(self.sessions.every((s: { current: boolean }) => s.current === false)).toBe(true);
    expect(self.lastSignInAt).not.toBeNull();
    const member = await signedIn('detail');
    const { createOrganization } = await member.client.request(CreateOrganizationDocument, { input: { name: `Detail ${stamp}` } });
    const { adminUser } = await admin.client.query(AdminUser, { id: member.userId });
    expect(adminUser).toMatchObject({ id: member.userId, mfaEnabled: false, isAdmin: false, bannedUntil: null, deletionScheduledAt: null });
    expect(adminUser.memberships).toEqual([
      expect.objectContaining({ organizationId: createOrganization.id, organizationName: `Detail ${stamp}`, role: 'owner' }),
    ]);
    expect(adminUser.sessions).toHaveLength(1);
    await expect(admin.client.query(AdminUser, { id: '00000000-0000-4000-8000-000000000000' })).resolves.toEqual({ adminUser: null });
    await expect(admin.client.query(AdminUser, { id: 'nope' })).resolves.toEqual({ adminUser: null });
    const viewed = await auditRows('admin.user_viewed', admin.userId);
    expect(viewed.some((r) => r.data.targetUserId === member.userId && r.actor_id === admin.userId)).toBe(true);
  });

  test('banUser ends every session at once: access UNAUTHENTICATED, refresh INVALID_TOKEN, the user mailed', async () => {
    const target = await signedIn('banned');
    const second = t.client();
    await signUpAndVerify(t, second, uniqueEmail('bystander'));
    await fresh();
    const before = t.inbox.mailsTo(target.email).length;
    const until = new Date(clock.now().getTime() + 3600_000);
    const { banUser } = await admin.client.request(Ban, { input: { userId: target.userId, reason: 'fraud', until: until.toISOString() } });
    expect(banUser).toMatchObject({ id: target.userId, status: 'BANNED', banReason: 'fraud', bannedUntil: until.toISOString() });
    expect(await target.client.error(target.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await target.client.error(target.client.request(RefreshSessionDocument, {}))).toMatchObject({ code: 'INVALID_TOKEN' });
    const mail = await t.inbox.waitForMail(target.email, before + 1);
    expect(mail.subject).toMatch(/suspended/);
    expect(mail.text).not.toContain('fraud');
    // Others are untouched; the rows name the admin.
    await expect(second.query(ViewerDocument)).resolves.toBeTruthy();
    const [banned] = await auditRows('user.banned', target.userId);
    expect(banned).toMatchObject({ actor_id: admin.userId, data: { reason: 'fraud', sessionsRevoked: 1 } });
    const revoked = await auditRows('session.revoked', target.userId);
    expect(revoked.at(-1)).toMatchObject({ actor_id: admin.userId, data: { reason: 'banned' } });
    // The outbox has user.banned (and session.revoked) for the user's aggregate.
    const events = await eventsOf(target.userId);
    expect(events).toEqual(expect.arrayContaining([{ type: 'user.banned', data: { userId: target.userId, until: until.toISOString() } }]));
    expect(events.some((e) => e.type === 'session.revoked' && e.data.reason === 'banned')).toBe(true);
  });

  test('a banned user signs in by no path: each answers ACCOUNT_BANNED after the first factor, a wrong password INVALID_CREDENTIALS', async () => {
    const target = await signedIn('nopath');
    await fresh();
    await admin.client.request(Ban, { input: { userId: target.userId, reason: 'abuse' } });
    const banned = { code: 'FORBIDDEN', extensions: { reason: 'ACCOUNT_BANNED', until: null } };
    const c = t.client();
    // Password: a wrong one says nothing about the ban; the right one is refused.
    expect(await c.error(c.request(LoginDocument, { input: { email: target.email, password: 'wrong password entirely' } }))).toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect(await c.error(c.request(LoginDocument, { input: { email: target.email, password: PASSWORD } }))).toMatchObject(banned);
    // Emailed code (passwordless): refused once the code is verified.
    let count = t.inbox.mailsTo(target.email).length;
    const { requestOtp } = await c.request(RequestOtpDocument, { input: { email: target.email } });
    const codeMail = await t.inbox.waitForMail(target.email, ++count);
    expect(await c.error(c.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(codeMail) } }))).toMatchObject(banned);
    // Magic link.
    await c.request(RequestMagicLinkDocument, { input: { email: target.email } });
    const linkMail = await t.inbox.waitForMail(target.email, ++count);
    const token = linkFrom(linkMail).searchParams.get('token')!;
    expect(await c.error(c.request(VerifyMagicLinkDocument, { token }))).toMatchObject(banned);
    // unbanUser: signing in works again.
    await fresh();
    await expect(admin.client.request(Unban, { userId: target.userId })).resolves.toEqual({ unbanUser: { id: target.userId, status: 'ACTIVE' } });
    const { requestOtp: again } = await c.request(RequestOtpDocument, { input: { email: target.email } });
    const againMail = await t.inbox.waitForMail(target.email, count + 1);
    await expect(c.request(VerifyOtpDocument, { input: { challengeId: again.challengeId, code: codeFrom(againMail) } })).resolves.toBeTruthy();
    expect(await auditRows('user.unbanned', target.userId)).toEqual([expect.objectContaining({ actor_id: admin.userId })]);
    expect((await eventsOf(target.userId)).filter((e) => e.type === 'user.unbanned')).toEqual([{ type: 'user.unbanned', data: { userId: target.userId } }]);
  });

  test('a ban with an end: refused until then (extensions.until), allowed after; an until in the past is BAD_USER_INPUT', async () => {
    const target = await signedIn('until');
    await fresh();
    expect(
      await admin.client.error(
        admin.client.request(Ban, { input: { userId: target.userId, reason: 'x', until: new Date(clock.now().getTime() - 1000).toISOString() } }),
      ),
    ).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'until' } });
    const until = new Date(clock.now().getTime() + 600_000);
    await admin.client.request(Ban, { input: { userId: target.userId, reason: 'cool off', until: until.toISOString() } });
    const c = t.client();
    expect(await c.error(c.request(LoginDocument, { input: { email: target.email, password: PASSWORD } }))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'ACCOUNT_BANNED', until: until.toISOString() },
    });
    clock.advance(601);
    const { login } = await c.request(LoginDocument, { input: { email: target.email, password: PASSWORD } });
    expect(login.challengeId).toBeTruthy();
    const { adminUser } = await admin.client.query(AdminUser, { id: target.userId });
    expect(adminUser).toMatchObject({ status: 'ACTIVE', bannedUntil: null });
  });

  test('banUser and adminDeleteUser refuse an admin target and the caller', async () => {
    const other = t.client();
    const payload = await signUpAndVerify(t, other, OTHER_ADMIN);
    await fresh();
    for (const [document, input] of [
      [Ban, { userId: payload.user.id, reason: 'x' }],
      [DeleteUser, { userId: payload.user.id, reason: 'x' }],
    ] as const) {
      expect(await admin.client.error(admin.client.request(document, { input }))).toMatchObject({
        code: 'FORBIDDEN',
        extensions: { reason: 'TARGET_IS_ADMIN' },
      });
      expect(await admin.client.error(admin.client.request(document, { input: { ...input, userId: admin.userId } }))).toMatchObject({
        code: 'BAD_USER_INPUT',
        extensions: { field: 'userId' },
      });
    }
    const { adminUser } = await admin.client.query(AdminUser, { id: payload.user.id });
    expect(adminUser).toMatchObject({ status: 'ACTIVE', isAdmin: true });
  });

  test('adminRevokeSessions ends every session of the user and answers how many', async () => {
    const target = await signedIn('revoke');
    const second = t.client();
    const before = t.inbox.mailsTo(target.email).length;
    const { requestOtp } = await second.request(RequestOtpDocument, { input: { email: target.email } });
    const mail = await t.inbox.waitForMail(target.email, before + 1);
    const { verifyOtp } = await second.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(mail) } });
    second.accessToken = verifyOtp.accessToken;
    await fresh();
    await expect(admin.client.request(RevokeAll, { userId: target.userId })).resolves.toEqual({ adminRevokeSessions: 2 });
    for (const c of [target.client, second]) expect(await c.error(c.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await auditRows('admin.sessions_revoked', target.userId)).toEqual([
      expect.objectContaining({ actor_id: admin.userId, data: { sessionsRevoked: 2 } }),
    ]);
  });

  test('adminDeleteUser erases now: sessions end, the row goes, a sole owner with members is replaced, audit rows anonymised', async () => {
    const owner = await signedIn('erased');
    const member = await signedIn('stays');
    const { createOrganization: org } = await owner.client.request(CreateOrganizationDocument, { input: { name: `Erase ${stamp}` } });
    const before = t.inbox.mailsTo(member.email).length;
    await owner.client.request(Invite, { input: { organizationId: org.id, email: member.email, role: 'admin' } });
    const invitation = await t.inbox.waitForMail(member.email, before + 1);
    await member.client.request(Accept, { input: { token: linkFrom(invitation).searchParams.get('token') } });
    await fresh();
    await expect(admin.client.request(DeleteUser, { input: { userId: owner.userId, reason: 'GDPR request' } })).resolves.toEqual({ adminDeleteUser: true });
    expect(await owner.client.error(owner.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(admin.client.query(AdminUser, { id: owner.userId })).resolves.toEqual({ adminUser: null });
    const { adminUser } = await admin.client.query(AdminUser, { id: member.userId });
    expect(adminUser.memberships).toEqual([expect.objectContaining({ organizationId: org.id, role: 'owner' })]);
    expect(await t.app.dataSource.query(`SELECT 1 FROM ${t.table('audit_events')} WHERE user_id = $1`, [owner.userId])).toEqual([]);
    const deleted = await auditRows('admin.user_deleted', null);
    expect(deleted.at(-1)).toMatchObject({ user_id: null, actor_id: admin.userId, data: { reason: 'GDPR request' } });
    expect(JSON.stringify(deleted.at(-1))).not.toContain(owner.userId);
    // user.deleted then user.erased in the outbox.
    expect((await eventsOf(owner.userId)).map((e) => e.type).slice(-2)).toEqual(['user.deleted', 'user.erased']);
  });
});
