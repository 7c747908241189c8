import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeFrom } from '../support/smtp-inbox';
import type { WardenClient } from '../support/graphql-client';
import {
  CreateOrganizationDocument,
  DeleteAccountDocument,
  DeleteOrganizationDocument,
  ExportAccountDataDocument,
  LeaveOrganizationDocument,
  MyOrganizationsDocument,
  OrganizationCanDocument,
  OrganizationDetailsDocument,
  OrganizationDocument,
  PermissionsDocument,
  RefreshSessionDocument,
  RemoveMemberDocument,
  SignupDocument,
  TransferOwnershipDocument,
  UpdateMemberRoleDocument,
  UpdateOrganizationDocument,
  VerifyOtpDocument,
  ViewerSecurityEventsDocument,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const REAUTH_MAX_AGE_SECONDS = 300;
const embedded = !!process.env.WARDEN_TEST_EMBEDDED_PG;

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

/** Organizations, memberships, roles and permissions (issue #25, first part) over HTTP, on real PostgreSQL and Redis. */
describe('organizations', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        REAUTH_MAX_AGE_SECONDS: String(REAUTH_MAX_AGE_SECONDS),
        RATE_LIMIT_SENDS_PER_HOUR: '100',
        ORG_EXTRA_PERMISSIONS: 'invoices:read,invoices:approve',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const person = async (label = 'member'): Promise<Person> => {
    const client = t.client();
    const email = uniqueEmail(label);
    const payload = await signUpAndVerify(t, client, email);
    return { client, userId: payload.user.id, email };
  };
  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  /** Invitations are not built yet: members other than the creator are added as rows (the shape acceptInvitation will write). */
  // Each later than the one before, also where the clock has only milliseconds (embedded PGlite).
  let joined = 0;
  const addMember = async (organizationId: string, who: Person, role: string): Promise<void> => {
    await sql(
      `INSERT INTO ${t.table('memberships')} (id, organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [randomUUID(), organizationId, who.userId, role, ++joined],
    );
  };
  const roleOf = async (organizationId: string, who: Person): Promise<string | null> =>
    (await sql(`SELECT role FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [organizationId, who.userId]))[0]?.role ?? null;
  const create = async (owner: Person, name = 'Acme Corp', slug?: string) =>
    (await owner.client.request(CreateOrganizationDocument, { input: { name, ...(slug ? { slug } : {}) } })).createOrganization;
  /** An organization with an owner, an admin and a member. */
  const team = async () => {
    const [owner, admin, member] = [await person('owner'), await person('admin'), await person('member')];
    const org = await create(owner);
    await addMember(org.id, admin, 'admin');
    await addMember(org.id, member, 'member');
    return { owner, admin, member, org };
  };
  const withStaleAuthentication = async (fn: () => Promise<void>) => {
    clock.advance(REAUTH_MAX_AGE_SECONDS + 1);
    try {
      await fn();
    } finally {
      clock.advance(-(REAUTH_MAX_AGE_SECONDS + 1));
    }
  };
  const auditRows = async (event: string, organizationId: string) =>
    sql(
      `SELECT user_id, data FROM ${t.table('audit_events')} WHERE event = $1 AND data->>'organizationId' = $2 AND NOT (data ? 'byUserId') ORDER BY created_at`,
      [event, organizationId],
    );

  describe('the vocabulary and built-in roles', () => {
    it('Query.permissions lists Warden’s permissions (built in) then ORG_EXTRA_PERMISSIONS, without signing in', async () => {
      const { permissions } = await t.client().query(PermissionsDocument);
      expect(permissions.map((p) => p.name)).toEqual([
        'org:read',
        'org:update',
        'org:delete',
        'members:read',
        'members:invite',
        'members:remove',
        'members:update_role',
        'roles:manage',
        'api_keys:manage',
        'webhooks:manage',
        'events:read',
        'audit:read',
        'invoices:read',
        'invoices:approve',
      ]);
      expect(permissions.filter((p) => p.builtIn)).toHaveLength(12);
      expect(permissions.at(-1)).toEqual({ name: 'invoices:approve', description: null, builtIn: false });
    });

    it('roles are owner, admin and member; viewerPermissions are the role’s, sorted; viewerCan checks the vocabulary', async () => {
      const { owner, admin, member, org } = await team();
      const { organization } = await owner.client.query(OrganizationDetailsDocument, { id: org.id });
      const all = (await t.client().query(PermissionsDocument)).permissions.map((p) => p.name).sort();
      expect(organization!.roles.map((r) => [r.key, r.builtIn])).toEqual([
        ['owner', true],
        ['admin', true],
        ['member', true],
      ]);
      expect(organization!.roles[0]!.permissions).toEqual(all);
      expect(organization!.roles[1]!.permissions).toEqual(all.filter((p) => p !== 'org:delete'));
      expect(organization!.roles[2]!.permissions).toEqual(['members:read', 'org:read']);
      expect(organization!.viewerRole).toBe('owner');
      expect(organization!.viewerPermissions).toEqual(all);
      expect([organization!.canUpdate, organization!.canDelete]).toEqual([true, true]);

      const asAdmin = (await admin.client.query(OrganizationDetailsDocument, { id: org.id })).organization!;
      expect(asAdmin.viewerRole).toBe('admin');
      expect([asAdmin.canUpdate, asAdmin.canDelete]).toEqual([true, false]);
      expect(asAdmin.viewerPermissions).toContain('invoices:approve');
      const asMember = (await member.client.query(OrganizationDetailsDocument, { id: org.id })).organization!;
      expect([asMember.viewerRole, asMember.viewerPermissions, asMember.canUpdate]).toEqual(['member', ['members:read', 'org:read'], false]);

      const unknown = await member.client.error(member.client.query(OrganizationCanDocument, { id: org.id, permission: 'org:fly' }));
      expect(unknown.code).toBe('BAD_USER_INPUT');
      expect((await member.client.query(OrganizationCanDocument, { id: org.id, permission: 'invoices:read' })).organization!.viewerCan).toBe(false);
    });
  });

  describe('signup and the viewer’s organizations', () => {
    it('signup’s organization gets its owner membership (same transaction); User.organization is the earliest joined', async () => {
      const client = t.client();
      const email = uniqueEmail('signup');
      const { signup } = await client.request(SignupDocument, { input: { email, password: PASSWORD, organization: { name: 'Café Ünïcode' } } });
      const { verifyOtp } = await client.request(VerifyOtpDocument, {
        input: { challengeId: signup.challengeId, code: codeFrom(await t.inbox.waitForMail(email, 1)) },
      });
      client.accessToken = verifyOtp.accessToken;
      const signupOrg = verifyOtp.user.organization!;
      const { viewer } = await client.query(MyOrganizationsDocument);
      expect(viewer!.organizations).toHaveLength(1);
      expect(viewer!.organizations[0]).toMatchObject({ id: signupOrg.id, name: 'Café Ünïcode', slug: 'cafe-unicode', viewerRole: 'owner' });

      const second = (await client.request(CreateOrganizationDocument, { input: { name: 'Second' } })).createOrganization;
      const after = (await client.query(MyOrganizationsDocument)).viewer!;
      expect(after.organizations.map((o) => o.id)).toEqual([signupOrg.id, second.id]);
      expect(after.organization!.id).toBe(signupOrg.id);

      // Leaving the earliest one moves User.organization to the next (a second owner keeps the first alive).
      const other = await person('co-owner');
      await addMember(signupOrg.id, other, 'owner');
      await client.request(LeaveOrganizationDocument, { organizationId: signupOrg.id });
      // It was the session's active organization: the token's claims went stale (CLAIMS_CHANGED), refresh once.
      expect((await client.error(client.query(MyOrganizationsDocument))).extensions.reason).toBe('CLAIMS_CHANGED');
      client.accessToken = (await client.request(RefreshSessionDocument, {})).refreshSession.accessToken;
      expect((await client.query(MyOrganizationsDocument)).viewer!.organization!.id).toBe(second.id);
    });
    it('a signup whose SIGNUP code cannot be mailed leaves neither the account nor its organization behind', async () => {
      const email = uniqueEmail('refused');
      const name = `Refused ${Date.now().toString(36)}`;
      t.inbox.refuse();
      try {
        const err = await t.client().error(t.client().request(SignupDocument, { input: { email, password: PASSWORD, organization: { name } } }));
        expect(err.code).toBe('SERVICE_UNAVAILABLE');
      } finally {
        t.inbox.accept();
      }
      expect(await sql(`SELECT 1 FROM ${t.table('organizations')} WHERE name = $1`, [name])).toEqual([]);
      expect(await sql(`SELECT 1 FROM ${t.table('users')} WHERE email = $1`, [email])).toEqual([]);
    });
  });

  describe('createOrganization and updateOrganization', () => {
    it('createOrganization makes the viewer its owner; a slug left out is made from the name, with a suffix on a clash', async () => {
      const a = await person();
      const name = `Nörd ${Date.now().toString(36)}`;
      const first = await create(a, name);
      expect(first).toMatchObject({
        name,
        slug: name
          .normalize('NFKD')
          .replace(/\p{M}+/gu, '')
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-'),
        viewerRole: 'owner',
      });
      const second = await create(a, name);
      expect(second.slug).toMatch(new RegExp(`^${first.slug}-[a-z0-9]{6}$`));
      expect(await auditRows('organization.created', first.id)).toEqual([expect.objectContaining({ user_id: a.userId })]);
    });

    it('a slug given and taken is BAD_USER_INPUT SLUG_TAKEN; a malformed one is BAD_USER_INPUT', async () => {
      const a = await person();
      const slug = `taken-${Date.now().toString(36)}`;
      await create(a, 'One', slug);
      const err = await a.client.error(a.client.request(CreateOrganizationDocument, { input: { name: 'Two', slug } }));
      expect([err.code, err.extensions.reason, err.extensions.field]).toEqual(['BAD_USER_INPUT', 'SLUG_TAKEN', 'slug']);
      for (const bad of ['-x', 'UPPER', 'a'.repeat(64), 'sp ace']) {
        const e = await a.client.error(a.client.request(CreateOrganizationDocument, { input: { name: 'Two', slug: bad } }));
        expect([e.code, e.extensions.field]).toEqual(['BAD_USER_INPUT', 'slug']);
      }
    });

    it('createOrganization needs a viewer', async () => {
      const err = await t.client().error(t.client().request(CreateOrganizationDocument, { input: { name: 'Nobody' } }));
      expect(err.code).toBe('UNAUTHENTICATED');
    });

    it('updateOrganization (org:update): omitted fields stay, null clears; a member gets PERMISSION_REQUIRED; SLUG_TAKEN', async () => {
      const { owner, admin, member, org } = await team();
      await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: org.id, industry: 'Retail', teamSize: '11-50' } });
      const { updateOrganization } = await admin.client.request(UpdateOrganizationDocument, {
        input: { organizationId: org.id, name: 'Renamed', industry: null },
      });
      expect(updateOrganization).toMatchObject({ name: 'Renamed', industry: null, teamSize: '11-50', slug: org.slug });

      const refused = await member.client.error(member.client.request(UpdateOrganizationDocument, { input: { organizationId: org.id, name: 'Mine' } }));
      expect([refused.code, refused.extensions.reason, refused.extensions.permission]).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'org:update']);

      const otherSlug = (await create(owner, 'Other')).slug;
      const taken = await owner.client.error(owner.client.request(UpdateOrganizationDocument, { input: { organizationId: org.id, slug: otherSlug } }));
      expect([taken.code, taken.extensions.reason]).toEqual(['BAD_USER_INPUT', 'SLUG_TAKEN']);
      const renamed = `renamed-${Date.now().toString(36)}`;
      expect((await owner.client.request(UpdateOrganizationDocument, { input: { organizationId: org.id, slug: renamed } })).updateOrganization.slug).toBe(
        renamed,
      );
      expect((await auditRows('organization.updated', org.id)).map((r) => r.user_id)).toEqual([owner.userId, admin.userId, owner.userId]);
    });

    it('User.organization answers the new name at once after updateOrganization (the profile cache is dropped)', async () => {
      const a = await person();
      const org = await create(a, 'Before');
      expect((await a.client.query(MyOrganizationsDocument)).viewer!.organization!.name).toBe('Before');
      await a.client.request(UpdateOrganizationDocument, { input: { organizationId: org.id, name: 'After' } });
      expect((await a.client.query(MyOrganizationsDocument)).viewer!.organization!.name).toBe('After');
    });
  });

  describe('reads are scoped to the viewer’s memberships', () => {
    it('a member of A asking for B by id gets null, as for an unknown id; mutations on B are NOT_A_MEMBER alike', async () => {
      const a = await team();
      const b = await team();
      expect((await a.owner.client.query(OrganizationDocument, { id: b.org.id })).organization).toBeNull();
      expect((await a.owner.client.query(OrganizationDocument, { id: randomUUID() })).organization).toBeNull();
      expect((await a.owner.client.query(OrganizationDocument, { id: 'not-a-uuid' })).organization).toBeNull();
      expect((await t.client().query(OrganizationDocument, { id: a.org.id })).organization).toBeNull();

      const attempts = (organizationId: string) => [
        a.owner.client.request(UpdateOrganizationDocument, { input: { organizationId, name: 'x' } }),
        a.owner.client.request(RemoveMemberDocument, { input: { organizationId, userId: b.member.userId } }),
        a.owner.client.request(UpdateMemberRoleDocument, { input: { organizationId, userId: b.member.userId, role: 'admin' } }),
        a.owner.client.request(LeaveOrganizationDocument, { organizationId }),
        a.owner.client.request(TransferOwnershipDocument, { input: { organizationId, userId: b.member.userId } }),
        a.owner.client.request(DeleteOrganizationDocument, { organizationId }),
      ];
      for (const organizationId of [b.org.id, randomUUID(), 'not-a-uuid']) {
        for (const attempt of attempts(organizationId)) {
          const err = await a.owner.client.error(attempt);
          expect([err.code, err.extensions.reason]).toEqual(['FORBIDDEN', 'NOT_A_MEMBER']);
        }
      }
      expect((await sql(`SELECT name FROM ${t.table('organizations')} WHERE id = $1`, [b.org.id]))[0].name).toBe('Acme Corp');
      expect(await roleOf(b.org.id, b.member)).toBe('member');
    });

    it('members (members:read): earliest joined first, paged by cursor; first is 1 to 100; memberCount', async () => {
      const { owner, admin, member, org } = await team();
      const page1 = (await member.client.query(OrganizationDetailsDocument, { id: org.id, first: 2 })).organization!;
      expect(page1.memberCount).toBe(3);
      expect(page1.members.nodes.map((n) => [n.userId, n.role, n.email])).toEqual([
        [owner.userId, 'owner', owner.email],
        [admin.userId, 'admin', admin.email],
      ]);
      expect(page1.members.hasNextPage).toBe(true);
      const page2 = (await member.client.query(OrganizationDetailsDocument, { id: org.id, first: 2, after: page1.members.endCursor })).organization!;
      expect(page2.members.nodes.map((n) => n.userId)).toEqual([member.userId]);
      expect(page2.members.hasNextPage).toBe(false);
      for (const first of [0, 101]) {
        const err = await member.client.error(member.client.query(OrganizationDetailsDocument, { id: org.id, first }));
        expect([err.code, err.extensions.field]).toEqual(['BAD_USER_INPUT', 'first']);
      }
      const bad = await member.client.error(member.client.query(OrganizationDetailsDocument, { id: org.id, after: 'garbage' }));
      expect([bad.code, bad.extensions.field]).toEqual(['BAD_USER_INPUT', 'after']);
    });
  });

  describe('membership changes', () => {
    it('updateMemberRole (members:update_role): an admin makes a member admin and back; a member cannot', async () => {
      const { admin, member, org, owner } = await team();
      const { updateMemberRole } = await admin.client.request(UpdateMemberRoleDocument, {
        input: { organizationId: org.id, userId: member.userId, role: 'admin' },
      });
      expect(updateMemberRole).toMatchObject({ userId: member.userId, role: 'admin', email: member.email });
      await admin.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: member.userId, role: 'member' } });
      expect(await roleOf(org.id, member)).toBe('member');

      const refused = await member.client.error(
        member.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: member.userId, role: 'admin' } }),
      );
      expect([refused.code, refused.extensions.reason, refused.extensions.permission]).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'members:update_role']);
      const unknownRole = await owner.client.error(
        owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: member.userId, role: 'superuser' } }),
      );
      expect([unknownRole.code, unknownRole.extensions.field]).toEqual(['BAD_USER_INPUT', 'role']);
      const stranger = await person('stranger');
      const notMember = await owner.client.error(
        owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: stranger.userId, role: 'admin' } }),
      );
      expect([notMember.code, notMember.extensions.field]).toEqual(['BAD_USER_INPUT', 'userId']);
      expect((await auditRows('member.role_updated', org.id)).map((r) => [r.user_id, r.data.memberId, r.data.from, r.data.to])).toEqual([
        [admin.userId, member.userId, 'member', 'admin'],
        [admin.userId, member.userId, 'admin', 'member'],
      ]);
    });

    it('escalation: an admin cannot raise themselves or anyone to owner, nor demote the owner (OWNER_REQUIRED)', async () => {
      const { owner, admin, member, org } = await team();
      for (const input of [
        { organizationId: org.id, userId: admin.userId, role: 'owner' },
        { organizationId: org.id, userId: member.userId, role: 'owner' },
        { organizationId: org.id, userId: owner.userId, role: 'member' },
      ]) {
        const err = await admin.client.error(admin.client.request(UpdateMemberRoleDocument, { input }));
        expect([err.code, err.extensions.reason]).toEqual(['FORBIDDEN', 'OWNER_REQUIRED']);
      }
      expect([await roleOf(org.id, owner), await roleOf(org.id, admin), await roleOf(org.id, member)]).toEqual(['owner', 'admin', 'member']);
    });

    it('escalation: a member made admin can grant admin (it holds every permission of it) but not owner (OWNER_REQUIRED)', async () => {
      const { owner, member, org } = await team();
      await sql(`UPDATE ${t.table('memberships')} SET role = 'admin' WHERE organization_id = $1 AND user_id = $2`, [org.id, member.userId]);
      const helper = await person('helper');
      await addMember(org.id, helper, 'member');
      await member.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: helper.userId, role: 'admin' } });
      const err = await member.client.error(
        member.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: helper.userId, role: 'owner' } }),
      );
      expect(err.extensions.reason).toBe('OWNER_REQUIRED');
      expect(await roleOf(org.id, owner)).toBe('owner');
    });

    it('an admin removing or demoting the owner is FORBIDDEN OWNER_REQUIRED; removing a member works (members:remove)', async () => {
      const { owner, admin, member, org } = await team();
      const remove = await admin.client.error(admin.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: owner.userId } }));
      expect([remove.code, remove.extensions.reason]).toEqual(['FORBIDDEN', 'OWNER_REQUIRED']);
      const demote = await admin.client.error(
        admin.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: owner.userId, role: 'admin' } }),
      );
      expect(demote.extensions.reason).toBe('OWNER_REQUIRED');
      expect(await roleOf(org.id, owner)).toBe('owner');

      const byMember = await member.client.error(member.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: admin.userId } }));
      expect([byMember.extensions.reason, byMember.extensions.permission]).toEqual(['PERMISSION_REQUIRED', 'members:remove']);
      const self = await admin.client.error(admin.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: admin.userId } }));
      expect([self.code, self.extensions.field]).toEqual(['BAD_USER_INPUT', 'userId']);

      expect((await admin.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: member.userId } })).removeMember).toBe(true);
      expect(await roleOf(org.id, member)).toBeNull();
      expect((await member.client.query(OrganizationDocument, { id: org.id })).organization).toBeNull();
      expect((await member.client.query(MyOrganizationsDocument)).viewer!.organizations).toEqual([]);
      expect((await auditRows('member.removed', org.id)).map((r) => [r.user_id, r.data.memberId])).toEqual([[admin.userId, member.userId]]);
      // An owner removes another owner.
      const second = await person('second-owner');
      await addMember(org.id, second, 'owner');
      await owner.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: second.userId } });
      expect(await roleOf(org.id, second)).toBeNull();
    });

    it('a permission taken away is refused at once, with the old access token still unexpired', async () => {
      const { admin, member, org } = await team();
      const token = admin.client.accessToken;
      await admin.client.request(UpdateOrganizationDocument, { input: { organizationId: org.id, teamSize: '2-10' } });
      await sql(`UPDATE ${t.table('memberships')} SET role = 'member' WHERE organization_id = $1 AND user_id = $2`, [org.id, admin.userId]);
      expect(admin.client.accessToken).toBe(token);
      const err = await admin.client.error(admin.client.request(UpdateOrganizationDocument, { input: { organizationId: org.id, teamSize: '11-50' } }));
      expect([err.code, err.extensions.reason, err.extensions.permission]).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'org:update']);
      const remove = await admin.client.error(admin.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: member.userId } }));
      expect(remove.extensions.permission).toBe('members:remove');
    });

    it('leaveOrganization: a member leaves; a sole owner is LAST_OWNER (with or without other members)', async () => {
      const { owner, member, org } = await team();
      expect((await member.client.request(LeaveOrganizationDocument, { organizationId: org.id })).leaveOrganization).toBe(true);
      expect(await roleOf(org.id, member)).toBeNull();
      expect((await auditRows('member.left', org.id)).map((r) => r.user_id)).toEqual([member.userId]);

      const err = await owner.client.error(owner.client.request(LeaveOrganizationDocument, { organizationId: org.id }));
      expect(err.code).toBe('LAST_OWNER');
      const alone = await create(owner, 'Alone');
      expect((await owner.client.error(owner.client.request(LeaveOrganizationDocument, { organizationId: alone.id }))).code).toBe('LAST_OWNER');
      // With a second owner, an owner may leave.
      const second = await person('second-owner');
      await addMember(org.id, second, 'owner');
      await owner.client.request(LeaveOrganizationDocument, { organizationId: org.id });
      expect(await roleOf(org.id, owner)).toBeNull();
    });

    it('the last owner cannot be demoted, not even by themselves (LAST_OWNER)', async () => {
      const { owner, org } = await team();
      const err = await owner.client.error(
        owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: owner.userId, role: 'admin' } }),
      );
      expect(err.code).toBe('LAST_OWNER');
      expect(await roleOf(org.id, owner)).toBe('owner');
    });

    (embedded ? it.skip : it)('two owners demoting each other concurrently: exactly one succeeds, one owner remains', async () => {
      for (let round = 0; round < 5; round += 1) {
        const { owner, admin: other, org } = await team();
        await sql(`UPDATE ${t.table('memberships')} SET role = 'owner' WHERE organization_id = $1 AND user_id = $2`, [org.id, other.userId]);
        const results = await Promise.allSettled([
          owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: other.userId, role: 'admin' } }),
          other.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: owner.userId, role: 'admin' } }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const owners = await sql(`SELECT user_id FROM ${t.table('memberships')} WHERE organization_id = $1 AND role = 'owner'`, [org.id]);
        expect(owners).toHaveLength(1);
      }
    });
  });

  describe('transferOwnership and deleteOrganization (owner, recent authentication)', () => {
    it('transferOwnership: the member becomes owner, the viewer admin; an admin gets PERMISSION_REQUIRED org:delete', async () => {
      const { owner, admin, member, org } = await team();
      const byAdmin = await admin.client.error(admin.client.request(TransferOwnershipDocument, { input: { organizationId: org.id, userId: admin.userId } }));
      expect([byAdmin.code, byAdmin.extensions.reason, byAdmin.extensions.permission]).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'org:delete']);
      await withStaleAuthentication(async () => {
        const stale = await owner.client.error(owner.client.request(TransferOwnershipDocument, { input: { organizationId: org.id, userId: member.userId } }));
        expect(stale.code).toBe('REAUTHENTICATION_REQUIRED');
      });
      const { transferOwnership } = await owner.client.request(TransferOwnershipDocument, { input: { organizationId: org.id, userId: member.userId } });
      expect(transferOwnership.id).toBe(org.id);
      expect([await roleOf(org.id, member), await roleOf(org.id, owner)]).toEqual(['owner', 'admin']);
      expect((await auditRows('organization.ownership_transferred', org.id)).map((r) => [r.user_id, r.data.memberId])).toEqual([[owner.userId, member.userId]]);
    });

    it('deleteOrganization without recent authentication is REAUTHENTICATION_REQUIRED; an admin gets PERMISSION_REQUIRED', async () => {
      const { owner, admin, org } = await team();
      await withStaleAuthentication(async () => {
        const err = await owner.client.error(owner.client.request(DeleteOrganizationDocument, { organizationId: org.id }));
        expect(err.code).toBe('REAUTHENTICATION_REQUIRED');
      });
      const byAdmin = await admin.client.error(admin.client.request(DeleteOrganizationDocument, { organizationId: org.id }));
      expect([byAdmin.extensions.reason, byAdmin.extensions.permission]).toEqual(['PERMISSION_REQUIRED', 'org:delete']);
      expect((await owner.client.query(OrganizationDocument, { id: org.id })).organization).not.toBeNull();
    });

    it('deleteOrganization removes it and its memberships; audit rows naming it stay', async () => {
      const { owner, admin, org } = await team();
      expect((await owner.client.request(DeleteOrganizationDocument, { organizationId: org.id })).deleteOrganization).toBe(true);
      expect(await sql(`SELECT 1 FROM ${t.table('organizations')} WHERE id = $1`, [org.id])).toEqual([]);
      expect(await sql(`SELECT 1 FROM ${t.table('memberships')} WHERE organization_id = $1`, [org.id])).toEqual([]);
      expect((await admin.client.query(OrganizationDocument, { id: org.id })).organization).toBeNull();
      expect((await owner.client.query(MyOrganizationsDocument)).viewer!.organization).toBeNull();
      expect((await auditRows('organization.deleted', org.id)).map((r) => r.user_id)).toEqual([owner.userId]);
      expect(await auditRows('organization.created', org.id)).toHaveLength(1);
    });
  });

  describe('the account', () => {
    it('the sole owner of an organization with members cannot deleteAccount: LAST_OWNER with extensions.organizationIds', async () => {
      const { owner, member, org } = await team();
      const alone = await create(owner, 'Alone');
      const err = await owner.client.error(owner.client.request(DeleteAccountDocument));
      expect(err.code).toBe('LAST_OWNER');
      expect(err.extensions.organizationIds).toEqual([org.id]);
      expect(alone.id).not.toBe(org.id);
      // A member (not an owner) can delete their account.
      await member.client.request(DeleteAccountDocument);
    });

    it('exportAccountData includes memberships; securityEvents show membership changes', async () => {
      const { owner, member, org } = await team();
      await owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: member.userId, role: 'admin' } });
      const { exportAccountData } = await member.client.request(ExportAccountDataDocument);
      expect((exportAccountData as { memberships: unknown }).memberships).toEqual([
        { organizationId: org.id, name: 'Acme Corp', slug: org.slug, role: 'admin', joinedAt: expect.any(String) },
      ]);
      const { viewer } = await owner.client.query(ViewerSecurityEventsDocument, { first: 10 });
      expect(viewer!.securityEvents.nodes.map((n) => n.type)).toEqual(expect.arrayContaining(['organization.created', 'member.role_updated']));
      // The member changed sees it too.
      const mine = (await member.client.query(ViewerSecurityEventsDocument, { first: 10 })).viewer!;
      expect(mine.securityEvents.nodes.map((n) => n.type)).toContain('member.role_updated');
    });
  });
});
