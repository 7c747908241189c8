import { decodeJwt } from 'jose';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { linkFrom } from '../support/smtp-inbox';
import type { WardenClient } from '../support/graphql-client';
import {
  AcceptInvitationDocument,
  CreateOrganizationDocument,
  CreateRoleDocument,
  DeleteOrganizationDocument,
  DeleteRoleDocument,
  DeclineInvitationDocument,
  InvitationPreviewDocument,
  InviteMemberDocument,
  MyOrganizationsDocument,
  OrganizationDocument,
  OrganizationInvitationsDocument,
  PendingInvitationsDocument,
  ResendInvitationDocument,
  RevokeInvitationDocument,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const embedded = !!process.env.WARDEN_TEST_EMBEDDED_PG;
const TTL_HOURS = 24;
const COOLDOWN_SECONDS = 60;

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

/** Organization invitations (issue #25) over HTTP on real PostgreSQL and Redis, mail through the SMTP inbox. */
describe('organization invitations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        RATE_LIMIT_SENDS_PER_HOUR: '100',
        ORG_INVITATION_TTL_HOURS: String(TTL_HOURS),
        ORG_INVITATION_RESEND_COOLDOWN_SECONDS: String(COOLDOWN_SECONDS),
        ORG_INVITATION_MAX_SENDS: '3',
        ORG_INVITATIONS_PER_HOUR: '6',
        ORG_MAX_PENDING_INVITATIONS: '4',
        ORG_MAX_MEMBERSHIPS_PER_USER: '3',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  const person = async (label = 'member', email = uniqueEmail(label)): Promise<Person> => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client, email);
    return { client, userId: payload.user.id, email };
  };
  const create = async (owner: Person, name = 'Acme Corp') => (await owner.client.request(CreateOrganizationDocument, { input: { name } })).createOrganization;
  const invite = async (by: Person, organizationId: string, email: string, role?: string) =>
    (await by.client.request(InviteMemberDocument, { input: { organizationId, email, ...(role ? { role } : {}) } })).inviteMember;
  /** The token of the newest invitation mail to `email` (after `before` mails), from the link's query. */
  const tokenFor = async (email: string, before: number): Promise<string> => {
    const mail = await t.inbox.waitForMail(email, before + 1);
    const link = linkFrom(t.inbox.mailsTo(email)[before]!);
    expect(mail).toBeDefined();
    expect(link.pathname).toBe('/invitations/accept');
    return link.searchParams.get('token')!;
  };
  const inviteAndToken = async (by: Person, organizationId: string, email: string, role?: string) => {
    const before = t.inbox.mailsTo(email).length;
    const invitation = await invite(by, organizationId, email, role);
    return { invitation, token: await tokenFor(email, before) };
  };
  const statusOf = async (id: string): Promise<string> => (await sql(`SELECT status FROM ${t.table('invitations')} WHERE id = $1`, [id]))[0]?.status;
  const membership = async (organizationId: string, userId: string) =>
    (await sql(`SELECT role FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [organizationId, userId]))[0]?.role ?? null;
  const withClock = async (seconds: number, fn: () => Promise<void>) => {
    clock.advance(seconds);
    try {
      await fn();
    } finally {
      clock.advance(-seconds);
    }
  };

  it('happy path: the mail link previews without sign-in; the newcomer signs up with the address, verifies, and accepts into the invited role', async () => {
    const owner = await person('owner');
    const org = await create(owner, 'Happy Path Inc');
    const email = uniqueEmail('newcomer');
    const { invitation, token } = await inviteAndToken(owner, org.id, email, 'admin');
    expect(invitation).toMatchObject({ organizationId: org.id, organizationName: 'Happy Path Inc', email, role: 'admin', status: 'PENDING' });
    const mail = t.inbox.mailsTo(email).at(-1)!;
    expect(mail.subject).toContain('Happy Path Inc');
    expect(token).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    // The token is kept only as a keyed hash.
    const stored = JSON.stringify(await sql(`SELECT * FROM ${t.table('invitations')} WHERE id = $1`, [invitation.id]));
    expect(stored).not.toContain(token.split('.')[1]);

    const { invitationPreview } = await t.client().query(InvitationPreviewDocument, { token });
    expect(invitationPreview).toMatchObject({ id: invitation.id, organizationName: 'Happy Path Inc', role: 'admin', status: 'PENDING' });

    const newcomer = await person('newcomer', email);
    const { viewer } = await newcomer.client.query(PendingInvitationsDocument);
    expect(viewer!.pendingInvitations.map((i) => i.id)).toEqual([invitation.id]);

    const { acceptInvitation } = await newcomer.client.request(AcceptInvitationDocument, { input: { token } });
    expect(acceptInvitation.user.id).toBe(newcomer.userId);
    newcomer.client.accessToken = acceptInvitation.accessToken;
    expect(await membership(org.id, newcomer.userId)).toBe('admin');
    const mine = await newcomer.client.query(MyOrganizationsDocument);
    expect(mine.viewer!.organizations.map((o) => o.id)).toContain(org.id);
    expect(await statusOf(invitation.id)).toBe('ACCEPTED');
    expect((await newcomer.client.query(PendingInvitationsDocument)).viewer!.pendingInvitations).toEqual([]);
    const audit = await sql(`SELECT user_id FROM ${t.table('audit_events')} WHERE event = 'invitation.accepted' AND data->>'invitationId' = $1`, [
      invitation.id,
    ]);
    expect(audit).toEqual([{ user_id: newcomer.userId }]);
    const listed = await owner.client.query(OrganizationInvitationsDocument, { id: org.id, status: 'ACCEPTED' });
    expect(listed.organization!.invitations.nodes.map((i) => i.id)).toEqual([invitation.id]);
  });

  it('accepting makes the organization active on this session (org_id, org_role, scope), and a new sign-in starts with it', async () => {
    const owner = await person('owner');
    const org = await create(owner, 'Joined Inc');
    const invitee = await person('invitee');
    // An organization of their own, joined earlier: a new sign-in would start there were the accepted one not remembered.
    const own = await create(invitee, 'Own Inc');
    const { token } = await inviteAndToken(owner, org.id, invitee.email, 'member');
    const sid = decodeJwt(invitee.client.accessToken!).sid;

    const { acceptInvitation } = await invitee.client.request(AcceptInvitationDocument, { input: { token } });
    const answered = decodeJwt(acceptInvitation.accessToken);
    expect({ sid: answered.sid, org_id: answered.org_id, org_role: answered.org_role, scope: answered.scope }).toEqual({
      sid,
      org_id: org.id,
      org_role: 'member',
      scope: 'members:read org:read',
    });
    const [row] = await sql(`SELECT active_organization_id FROM ${t.table('sessions')} WHERE id = $1`, [sid]);
    expect(row.active_organization_id).toBe(org.id);
    const [joined] = await sql(`SELECT last_active_at FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [org.id, invitee.userId]);
    expect(joined.last_active_at).not.toBeNull();

    const again = await logIn(t, t.client(), invitee.email);
    const fresh = decodeJwt(again.accessToken);
    expect(fresh.sid).not.toBe(sid);
    expect(fresh.org_id).toBe(org.id);
    expect(fresh.org_id).not.toBe(own.id);
  });

  it('an invitation accepted by another signed-in user is FORBIDDEN INVITATION_EMAIL_MISMATCH and stays PENDING', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const invitee = await person('invitee');
    const other = await person('other');
    const { invitation, token } = await inviteAndToken(owner, org.id, invitee.email);
    const err = await other.client.error(other.client.request(AcceptInvitationDocument, { input: { token } }));
    expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'INVITATION_EMAIL_MISMATCH' } });
    // A case or dot variant of the address is another address (no folding beyond the usual normalisation).
    expect(await statusOf(invitation.id)).toBe('PENDING');
    expect(await membership(org.id, other.userId)).toBeNull();
    await invitee.client.request(AcceptInvitationDocument, { input: { token } });
    expect(await membership(org.id, invitee.userId)).toBe('member');
  });

  it('an unverified viewer with the invited address is FORBIDDEN EMAIL_NOT_VERIFIED', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const invitee = await person('invitee');
    const { invitation, token } = await inviteAndToken(owner, org.id, invitee.email);
    // The state of an address not yet proven (e.g. an email change not confirmed): the flag the check reads.
    await sql(`UPDATE ${t.table('users')} SET email_verified = false WHERE id = $1`, [invitee.userId]);
    const err = await invitee.client.error(invitee.client.request(AcceptInvitationDocument, { input: { token } }));
    expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'EMAIL_NOT_VERIFIED' } });
    expect((await invitee.client.query(PendingInvitationsDocument)).viewer!.pendingInvitations).toEqual([]);
    expect(await statusOf(invitation.id)).toBe('PENDING');
    expect(await membership(org.id, invitee.userId)).toBeNull();
  });

  it('a token works once; after revokeInvitation, resendInvitation or ORG_INVITATION_TTL_HOURS it is INVALID_TOKEN', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const invitee = await person('invitee');
    // Once.
    const first = await inviteAndToken(owner, org.id, invitee.email);
    await invitee.client.request(AcceptInvitationDocument, { input: { token: first.token } });
    expect(await invitee.client.error(invitee.client.request(AcceptInvitationDocument, { input: { token: first.token } }))).toMatchObject({
      code: 'INVALID_TOKEN',
    });
    expect(await t.client().error(t.client().query(InvitationPreviewDocument, { token: first.token }))).toMatchObject({ code: 'INVALID_TOKEN' });

    // Revoked.
    const second = await person('second');
    const revoked = await inviteAndToken(owner, org.id, second.email);
    const { revokeInvitation } = await owner.client.request(RevokeInvitationDocument, { id: revoked.invitation.id });
    expect(revokeInvitation.status).toBe('REVOKED');
    expect(await second.client.error(second.client.request(AcceptInvitationDocument, { input: { token: revoked.token } }))).toMatchObject({
      code: 'INVALID_TOKEN',
    });
    expect(await second.client.error(second.client.request(AcceptInvitationDocument, { input: { invitationId: revoked.invitation.id } }))).toMatchObject({
      code: 'INVALID_TOKEN',
    });

    // Resent: the previous link is dead, the new one works.
    const third = await person('third');
    const resent = await inviteAndToken(owner, org.id, third.email);
    await withClock(COOLDOWN_SECONDS + 1, async () => {
      const before = t.inbox.mailsTo(third.email).length;
      await owner.client.request(ResendInvitationDocument, { id: resent.invitation.id });
      const newToken = await tokenFor(third.email, before);
      expect(newToken).not.toBe(resent.token);
      expect(await third.client.error(third.client.request(AcceptInvitationDocument, { input: { token: resent.token } }))).toMatchObject({
        code: 'INVALID_TOKEN',
      });
      await third.client.request(AcceptInvitationDocument, { input: { token: newToken } });
      expect(await membership(org.id, third.userId)).toBe('member');
    });

    // Expired.
    const fourth = await person('fourth');
    const expiring = await inviteAndToken(owner, org.id, fourth.email);
    await withClock(TTL_HOURS * 3600 + 1, async () => {
      expect(await t.client().error(t.client().query(InvitationPreviewDocument, { token: expiring.token }))).toMatchObject({ code: 'INVALID_TOKEN' });
      await logIn(t, fourth.client, fourth.email);
      expect(await fourth.client.error(fourth.client.request(AcceptInvitationDocument, { input: { token: expiring.token } }))).toMatchObject({
        code: 'INVALID_TOKEN',
      });
      await logIn(t, owner.client, owner.email);
      const listed = await owner.client.query(OrganizationInvitationsDocument, { id: org.id, status: 'EXPIRED' });
      expect(listed.organization!.invitations.nodes.map((i) => i.id)).toEqual([expiring.invitation.id]);
    });
    expect(await membership(org.id, fourth.userId)).toBeNull();
    await logIn(t, owner.client, owner.email);
  });

  (embedded ? it.skip : it)('two concurrent acceptInvitation calls: one membership, one INVALID_TOKEN', async () => {
    for (let round = 0; round < 3; round++) {
      const owner = await person('owner');
      const org = await create(owner);
      const invitee = await person('invitee');
      const second = t.client();
      await logIn(t, second, invitee.email);
      const { token } = await inviteAndToken(owner, org.id, invitee.email);
      const results = await Promise.allSettled([
        invitee.client.request(AcceptInvitationDocument, { input: { token } }),
        second.request(AcceptInvitationDocument, { input: { token } }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason.code ?? rejected.reason.errors?.[0]?.extensions?.code ?? String(rejected.reason)).toMatch(/INVALID_TOKEN/);
      const rows = await sql(`SELECT count(*)::int AS n FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [org.id, invitee.userId]);
      expect(rows[0].n).toBe(1);
    }
  });

  it('inviteMember answers alike for an address with and without an account; a member’s verified address is ALREADY_MEMBER', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const existing = await person('existing');
    const unknown = uniqueEmail('nobody');
    const a = await inviteAndToken(owner, org.id, existing.email);
    const b = await inviteAndToken(owner, org.id, unknown);
    const shape = (i: Record<string, unknown>) => ({ ...i, id: 'x', email: 'x', createdAt: 'x', expiresAt: 'x', resendAvailableAt: 'x' });
    expect(shape(a.invitation)).toEqual(shape(b.invitation));
    const [ma, mb] = [t.inbox.mailsTo(existing.email).at(-1)!, t.inbox.mailsTo(unknown).at(-1)!];
    expect(ma.subject).toBe(mb.subject);
    expect(ma.text.replace(a.token, 'T')).toBe(mb.text.replace(b.token, 'T'));
    // The owner's own (verified) address: already a member.
    const err = await owner.client.error(invite(owner, org.id, owner.email.toUpperCase()));
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { reason: 'ALREADY_MEMBER' } });
  });

  it('resendInvitation within the cooldown is RATE_LIMITED; past ORG_INVITATION_MAX_SENDS it is LIMIT_REACHED', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const email = uniqueEmail('spammed');
    const { invitation } = await inviteAndToken(owner, org.id, email);
    expect(await owner.client.error(owner.client.request(ResendInvitationDocument, { id: invitation.id }))).toMatchObject({ code: 'RATE_LIMITED' });
    // Inviting the same address again is a resend: the same limits.
    expect(await owner.client.error(invite(owner, org.id, email))).toMatchObject({ code: 'RATE_LIMITED' });
    await withClock(COOLDOWN_SECONDS + 1, async () => {
      const again = await invite(owner, org.id, email, 'admin');
      expect(again).toMatchObject({ id: invitation.id, role: 'admin', status: 'PENDING' });
    });
    await withClock(2 * (COOLDOWN_SECONDS + 1), async () => {
      await owner.client.request(ResendInvitationDocument, { id: invitation.id });
    });
    await withClock(3 * (COOLDOWN_SECONDS + 1), async () => {
      const err = await owner.client.error(owner.client.request(ResendInvitationDocument, { id: invitation.id }));
      expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 'ORG_INVITATION_MAX_SENDS' } });
    });
    expect(t.inbox.mailsTo(email)).toHaveLength(3);
  });

  it('limits: ORG_MAX_PENDING_INVITATIONS is LIMIT_REACHED, ORG_INVITATIONS_PER_HOUR is RATE_LIMITED', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await invite(owner, org.id, uniqueEmail('many')));
    expect(await owner.client.error(invite(owner, org.id, uniqueEmail('many')))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'LIMIT_REACHED', limit: 'ORG_MAX_PENDING_INVITATIONS' },
    });
    await owner.client.request(RevokeInvitationDocument, { id: sent[0]!.id });
    await invite(owner, org.id, uniqueEmail('many'));
    expect(await owner.client.error(invite(owner, org.id, uniqueEmail('many')))).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('accepting past ORG_MAX_MEMBERSHIPS_PER_USER is LIMIT_REACHED and the invitation stays usable', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const invitee = await person('joiner');
    for (let i = 0; i < 3; i++) await create(invitee, `Own ${i}`);
    const { invitation, token } = await inviteAndToken(owner, org.id, invitee.email);
    const err = await invitee.client.error(invitee.client.request(AcceptInvitationDocument, { input: { token } }));
    expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 'ORG_MAX_MEMBERSHIPS_PER_USER' } });
    expect(await statusOf(invitation.id)).toBe('PENDING');
  });

  it('createOrganization past ORG_MAX_MEMBERSHIPS_PER_USER is LIMIT_REACHED; leaving frees a place', async () => {
    const user = await person('founder');
    const first = await create(user, 'Own 0');
    for (let i = 1; i < 3; i++) await create(user, `Own ${i}`);
    const err = await user.client.error(user.client.request(CreateOrganizationDocument, { input: { name: 'One too many', slug: `too-many-${Date.now()}` } }));
    expect(err).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 'ORG_MAX_MEMBERSHIPS_PER_USER' } });
    // Nothing half-written: no organization under that name, still three memberships.
    expect((await sql(`SELECT count(*)::int AS n FROM ${t.table('memberships')} WHERE user_id = $1`, [user.userId]))[0].n).toBe(3);
    const names = (await user.client.query(MyOrganizationsDocument)).viewer!.organizations.map((o) => o.name);
    expect(names.sort()).toEqual(['Own 0', 'Own 1', 'Own 2']);
    // A sole owner deletes instead of leaving; deleting one frees the place.
    await user.client.request(DeleteOrganizationDocument, { organizationId: first.id });
    await create(user, 'Own 3');
  });

  it('two createOrganization racing for the last place: exactly one wins', async () => {
    const user = await person('racer');
    for (let i = 0; i < 2; i++) await create(user, `Own ${i}`);
    const results = await Promise.allSettled([create(user, 'Race A'), create(user, 'Race B'), create(user, 'Race C')]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason.info).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 'ORG_MAX_MEMBERSHIPS_PER_USER' } });
    }
    expect((await sql(`SELECT count(*)::int AS n FROM ${t.table('memberships')} WHERE user_id = $1`, [user.userId]))[0].n).toBe(3);
  });

  it('decline by invitationId from pendingInvitations; then the link is INVALID_TOKEN', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const invitee = await person('invitee');
    const { invitation, token } = await inviteAndToken(owner, org.id, invitee.email);
    const pending = (await invitee.client.query(PendingInvitationsDocument)).viewer!.pendingInvitations;
    expect(pending).toEqual([expect.objectContaining({ id: invitation.id, organizationName: 'Acme Corp', status: 'PENDING' })]);
    const { declineInvitation } = await invitee.client.request(DeclineInvitationDocument, { input: { invitationId: invitation.id } });
    expect(declineInvitation.ok).toBe(true);
    expect(await statusOf(invitation.id)).toBe('DECLINED');
    expect(await invitee.client.error(invitee.client.request(AcceptInvitationDocument, { input: { token } }))).toMatchObject({ code: 'INVALID_TOKEN' });
    expect(await membership(org.id, invitee.userId)).toBeNull();
  });

  it('an existing member accepting consumes it and keeps the current role; both or neither of token and invitationId is BAD_USER_INPUT', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const invitee = await person('invitee');
    const first = await inviteAndToken(owner, org.id, invitee.email, 'admin');
    await invitee.client.request(AcceptInvitationDocument, { input: { token: first.token } });
    // A second invitation to the same person, made before they joined (the row the ALREADY_MEMBER check would stop now).
    await sql(`UPDATE ${t.table('memberships')} SET role = 'member' WHERE organization_id = $1 AND user_id = $2`, [org.id, invitee.userId]);
    await sql(`UPDATE ${t.table('users')} SET email_verified = false WHERE id = $1`, [invitee.userId]);
    const second = await inviteAndToken(owner, org.id, invitee.email, 'admin');
    await sql(`UPDATE ${t.table('users')} SET email_verified = true WHERE id = $1`, [invitee.userId]);
    await invitee.client.request(AcceptInvitationDocument, { input: { token: second.token } });
    expect(await membership(org.id, invitee.userId)).toBe('member');
    expect(await statusOf(second.invitation.id)).toBe('ACCEPTED');
    expect(await invitee.client.error(invitee.client.request(AcceptInvitationDocument, { input: {} }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(
      await invitee.client.error(invitee.client.request(AcceptInvitationDocument, { input: { token: second.token, invitationId: second.invitation.id } })),
    ).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('escalation: an admin cannot invite as owner (OWNER_REQUIRED); a member cannot invite (PERMISSION_REQUIRED members:invite); an unknown role is BAD_USER_INPUT', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const admin = await person('admin');
    const member = await person('member');
    for (const [who, role] of [
      [admin, 'admin'],
      [member, 'member'],
    ] as const) {
      const { token } = await inviteAndToken(owner, org.id, who.email, role);
      await who.client.request(AcceptInvitationDocument, { input: { token } });
    }
    expect(await admin.client.error(invite(admin, org.id, uniqueEmail('x'), 'owner'))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'OWNER_REQUIRED' },
    });
    expect(await member.client.error(invite(member, org.id, uniqueEmail('x')))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'PERMISSION_REQUIRED', permission: 'members:invite' },
    });
    expect(await owner.client.error(invite(owner, org.id, uniqueEmail('x'), 'nope'))).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'role' } });
    const asOwner = await invite(owner, org.id, uniqueEmail('x'), 'owner');
    expect(asOwner.role).toBe('owner');
    const asAdmin = await invite(admin, org.id, uniqueEmail('x'), 'admin');
    expect(asAdmin.role).toBe('admin');
  });

  it('custom roles: an inviter lacking a permission of the role is PERMISSION_REQUIRED; a PENDING invitation holds the role (ROLE_IN_USE)', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const inviter = await person('inviter');
    await owner.client.request(CreateRoleDocument, { input: { organizationId: org.id, key: 'recruiter', name: 'Recruiter', permissions: ['members:invite'] } });
    await owner.client.request(CreateRoleDocument, { input: { organizationId: org.id, key: 'auditor', name: 'Auditor', permissions: ['audit:read'] } });
    const { token } = await inviteAndToken(owner, org.id, inviter.email, 'recruiter');
    await inviter.client.request(AcceptInvitationDocument, { input: { token } });
    expect(await membership(org.id, inviter.userId)).toBe('recruiter');
    expect(await inviter.client.error(invite(inviter, org.id, uniqueEmail('x'), 'auditor'))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'PERMISSION_REQUIRED', permission: 'audit:read' },
    });
    const pending = await invite(inviter, org.id, uniqueEmail('x'), 'recruiter');
    expect(pending.role).toBe('recruiter');
    const held = await invite(owner, org.id, uniqueEmail('x'), 'auditor');
    expect(await owner.client.error(owner.client.request(DeleteRoleDocument, { organizationId: org.id, key: 'auditor' }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      extensions: { reason: 'ROLE_IN_USE' },
    });
    await owner.client.request(RevokeInvitationDocument, { id: held.id });
    await owner.client.request(DeleteRoleDocument, { organizationId: org.id, key: 'auditor' });
  });

  it('cross-organization: invitations of B are unreachable for a member of A, as unknown ids are (NOT_A_MEMBER)', async () => {
    const ownerA = await person('ownerA');
    const ownerB = await person('ownerB');
    const orgA = await create(ownerA);
    const orgB = await create(ownerB);
    const b = await invite(ownerB, orgB.id, uniqueEmail('target'));
    expect((await ownerA.client.query(OrganizationDocument, { id: orgB.id })).organization).toBeNull();
    for (const id of [b.id, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      expect(await ownerA.client.error(ownerA.client.request(RevokeInvitationDocument, { id }))).toMatchObject({
        code: 'FORBIDDEN',
        extensions: { reason: 'NOT_A_MEMBER' },
      });
      expect(await ownerA.client.error(ownerA.client.request(ResendInvitationDocument, { id }))).toMatchObject({
        code: 'FORBIDDEN',
        extensions: { reason: 'NOT_A_MEMBER' },
      });
    }
    expect(await ownerA.client.error(invite(ownerA, orgB.id, uniqueEmail('x')))).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_A_MEMBER' } });
    const listedA = await ownerA.client.query(OrganizationInvitationsDocument, { id: orgA.id });
    expect(listedA.organization!.invitations.nodes).toEqual([]);
    expect(await statusOf(b.id)).toBe('PENDING');
  });

  it('a refused mail is SERVICE_UNAVAILABLE and leaves no usable invitation', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const email = uniqueEmail('bounce');
    t.inbox.refuse();
    try {
      expect(await owner.client.error(invite(owner, org.id, email))).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    } finally {
      t.inbox.accept();
    }
    const pending = await owner.client.query(OrganizationInvitationsDocument, { id: org.id, status: 'PENDING' });
    expect(pending.organization!.invitations.nodes).toEqual([]);
    // Inviting again works (a new invitation, a new link).
    const { invitation } = await inviteAndToken(owner, org.id, email);
    expect(invitation.status).toBe('PENDING');
  });

  it('retention: the maintenance job deletes invitations ended (or expired) more than 90 days ago, and keeps the rest', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const [old, recent, pending] = [
      await invite(owner, org.id, uniqueEmail('old')),
      await invite(owner, org.id, uniqueEmail('recent')),
      await invite(owner, org.id, uniqueEmail('open')),
    ];
    await owner.client.request(RevokeInvitationDocument, { id: old.id });
    await owner.client.request(RevokeInvitationDocument, { id: recent.id });
    await sql(`UPDATE ${t.table('invitations')} SET ended_at = now() - interval '91 days' WHERE id = $1`, [old.id]);
    await sql(`UPDATE ${t.table('invitations')} SET ended_at = now() - interval '89 days' WHERE id = $1`, [recent.id]);
    const result = await t.app.maintenance.runOnce();
    expect(result.status).toBe('ran');
    expect(await statusOf(old.id)).toBeUndefined();
    expect(await statusOf(recent.id)).toBe('REVOKED');
    expect(await statusOf(pending.id)).toBe('PENDING');
  });

  it('Organization.invitations pages newest first and filters by status; first outside 1 to 100 is BAD_USER_INPUT', async () => {
    const owner = await person('owner');
    const org = await create(owner);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await invite(owner, org.id, uniqueEmail('page'))).id);
    const one = await owner.client.query(OrganizationInvitationsDocument, { id: org.id, first: 2 });
    expect(one.organization!.invitations.nodes.map((i) => i.id)).toEqual([ids[2], ids[1]]);
    expect(one.organization!.invitations.hasNextPage).toBe(true);
    const two = await owner.client.query(OrganizationInvitationsDocument, { id: org.id, first: 2, after: one.organization!.invitations.endCursor });
    expect(two.organization!.invitations.nodes.map((i) => i.id)).toEqual([ids[0]]);
    expect(two.organization!.invitations.hasNextPage).toBe(false);
    expect(await owner.client.error(owner.client.query(OrganizationInvitationsDocument, { id: org.id, first: 0 }))).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
