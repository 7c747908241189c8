import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import type { WardenClient } from '../support/graphql-client';
import {
  CreateOrganizationDocument,
  CreateRoleDocument,
  DeleteOrganizationDocument,
  DeleteRoleDocument,
  OrganizationMembersCanDocument,
  OrganizationRolesDocument,
  RemoveMemberDocument,
  UpdateMemberRoleDocument,
  UpdateRoleDocument,
} from '../graphql/generated/graphql';

const MAX_CUSTOM_ROLES = 3;

interface Person {
  client: WardenClient;
  userId: string;
}

/** Custom roles (issue #25): createRole, updateRole, deleteRole, no escalation, the limit, over HTTP on real PostgreSQL and Redis. */
describe('organizations: custom roles', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_SENDS_PER_HOUR: '100',
        ORG_EXTRA_PERMISSIONS: 'invoices:read,invoices:approve',
        ORG_MAX_CUSTOM_ROLES: String(MAX_CUSTOM_ROLES),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const person = async (label = 'member'): Promise<Person> => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client, uniqueEmail(label));
    return { client, userId: payload.user.id };
  };
  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  let joined = 0;
  const addMember = async (organizationId: string, who: Person, role: string): Promise<void> => {
    await sql(
      `INSERT INTO ${t.table('memberships')} (id, organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [randomUUID(), organizationId, who.userId, role, ++joined],
    );
  };
  /** An organization with an owner, an admin and a member. */
  const team = async () => {
    const [owner, admin, member] = [await person('owner'), await person('admin'), await person('member')];
    const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Acme Corp' } })).createOrganization;
    await addMember(org.id, admin, 'admin');
    await addMember(org.id, member, 'member');
    return { owner, admin, member, org };
  };
  const createRole = (who: Person, organizationId: string, key: string, permissions: string[], name = key) =>
    who.client.request(CreateRoleDocument, { input: { organizationId, key, name, permissions } });
  const assign = (who: Person, organizationId: string, target: Person, role: string) =>
    who.client.request(UpdateMemberRoleDocument, { input: { organizationId, userId: target.userId, role } });
  const reasonOf = async (who: Person, attempt: Promise<unknown>) => {
    const err = await who.client.error(attempt);
    return [err.code, err.extensions.reason ?? err.extensions.field, err.extensions.permission ?? err.extensions.limit];
  };

  it('createRole, updateRole, deleteRole; roles list built-in first, then custom by key; audit rows', async () => {
    const { owner, admin, org } = await team();
    const { createRole: billing } = await owner.client.request(CreateRoleDocument, {
      input: { organizationId: org.id, key: 'billing', name: 'Billing', description: 'Pays the bills', permissions: ['invoices:read', 'members:read'] },
    });
    expect(billing).toEqual({
      key: 'billing',
      name: 'Billing',
      description: 'Pays the bills',
      builtIn: false,
      permissions: ['invoices:read', 'members:read', 'org:read'],
    });
    await createRole(admin, org.id, 'auditor', ['audit:read']);
    await createRole(owner, org.id, 'a-team_2', []);

    const listed = (await admin.client.query(OrganizationRolesDocument, { id: org.id })).organization!.roles;
    expect(listed.map((r) => [r.key, r.builtIn])).toEqual([
      ['owner', true],
      ['admin', true],
      ['member', true],
      ['a-team_2', false],
      ['auditor', false],
      ['billing', false],
    ]);
    expect(listed.find((r) => r.key === 'a-team_2')!.permissions).toEqual(['org:read']);

    const { updateRole } = await owner.client.request(UpdateRoleDocument, {
      input: { organizationId: org.id, key: 'billing', description: null, permissions: ['invoices:approve', 'invoices:approve'] },
    });
    expect(updateRole).toEqual({ key: 'billing', name: 'Billing', description: null, builtIn: false, permissions: ['invoices:approve', 'org:read'] });
    const renamed = (await owner.client.request(UpdateRoleDocument, { input: { organizationId: org.id, key: 'billing', name: 'Accounts' } })).updateRole;
    expect([renamed.name, renamed.permissions]).toEqual(['Accounts', ['invoices:approve', 'org:read']]);

    expect((await owner.client.request(DeleteRoleDocument, { organizationId: org.id, key: 'auditor' })).deleteRole).toBe(true);
    const after = (await owner.client.query(OrganizationRolesDocument, { id: org.id })).organization!.roles.map((r) => r.key);
    expect(after).toEqual(['owner', 'admin', 'member', 'a-team_2', 'billing']);
    expect(await reasonOf(owner, owner.client.request(DeleteRoleDocument, { organizationId: org.id, key: 'auditor' }))).toEqual([
      'BAD_USER_INPUT',
      'key',
      undefined,
    ]);
    expect(await reasonOf(owner, owner.client.request(UpdateRoleDocument, { input: { organizationId: org.id, key: 'auditor', name: 'X' } }))).toEqual([
      'BAD_USER_INPUT',
      'key',
      undefined,
    ]);

    const audit = await sql(
      `SELECT event, user_id, data FROM ${t.table('audit_events')} WHERE event LIKE 'role.%' AND data->>'organizationId' = $1 ORDER BY created_at, event`,
      [org.id],
    );
    expect(audit.map((r) => [r.event, r.data.role.key])).toEqual([
      ['role.created', 'billing'],
      ['role.created', 'auditor'],
      ['role.created', 'a-team_2'],
      ['role.updated', 'billing'],
      ['role.updated', 'billing'],
      ['role.deleted', 'auditor'],
    ]);
    expect(audit[0].data.role).toEqual({ key: 'billing', name: 'Billing', permissions: ['invoices:read', 'members:read', 'org:read'] });
    expect(audit[1].user_id).toBe(admin.userId);
  });

  it('key rules, unknown permissions and org:delete are BAD_USER_INPUT; built-in roles are fixed', async () => {
    const { owner, org } = await team();
    for (const key of ['owner', 'admin', 'member', 'x', 'Billing', '1abc', '-abc', 'has space', 'a'.repeat(33), 'a:b']) {
      expect(await reasonOf(owner, createRole(owner, org.id, key, []))).toEqual(['BAD_USER_INPUT', 'key', undefined]);
    }
    await createRole(owner, org.id, 'ab', []);
    await createRole(owner, org.id, 'a'.repeat(32), []);
    expect(await reasonOf(owner, createRole(owner, org.id, 'ab', ['members:read']))).toEqual(['BAD_USER_INPUT', 'key', undefined]);
    expect(await reasonOf(owner, createRole(owner, org.id, 'writer', ['invoices:write']))).toEqual(['BAD_USER_INPUT', 'permissions', undefined]);
    expect(await reasonOf(owner, createRole(owner, org.id, 'deleter', ['org:delete']))).toEqual(['BAD_USER_INPUT', 'permissions', undefined]);
    expect(
      await reasonOf(owner, owner.client.request(UpdateRoleDocument, { input: { organizationId: org.id, key: 'ab', permissions: ['org:delete'] } })),
    ).toEqual(['BAD_USER_INPUT', 'permissions', undefined]);
    for (const key of ['owner', 'admin', 'member']) {
      expect(await reasonOf(owner, owner.client.request(UpdateRoleDocument, { input: { organizationId: org.id, key, name: 'Mine' } }))).toEqual([
        'BAD_USER_INPUT',
        'key',
        undefined,
      ]);
      expect(await reasonOf(owner, owner.client.request(DeleteRoleDocument, { organizationId: org.id, key }))).toEqual(['BAD_USER_INPUT', 'key', undefined]);
    }
    const keys = (await sql(`SELECT key, permissions FROM ${t.table('organization_roles')} WHERE organization_id = $1 ORDER BY key`, [org.id])).map(
      (r) => r.key,
    );
    expect(keys).toEqual(['a'.repeat(32), 'ab']);
  });

  it('no escalation: a roles:manage member cannot create, edit or assign a role holding a permission they lack', async () => {
    const { owner, member, org } = await team();
    const manager = await person('manager');
    await addMember(org.id, manager, 'member');
    await createRole(owner, org.id, 'manager', ['roles:manage', 'members:update_role', 'members:read']);
    await createRole(owner, org.id, 'remover', ['members:remove']);
    await assign(owner, org.id, manager, 'manager');
    expect((await manager.client.query(OrganizationRolesDocument, { id: org.id })).organization!.viewerPermissions).toEqual([
      'members:read',
      'members:update_role',
      'org:read',
      'roles:manage',
    ]);

    expect(await reasonOf(manager, createRole(manager, org.id, 'kicker', ['members:remove']))).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'members:remove']);
    // The first missing, sorted.
    expect(await reasonOf(manager, createRole(manager, org.id, 'kicker', ['members:remove', 'invoices:approve', 'members:read']))).toEqual([
      'FORBIDDEN',
      'PERMISSION_REQUIRED',
      'invoices:approve',
    ]);
    // Editing a role needs what it holds, before and after.
    expect(await reasonOf(manager, manager.client.request(UpdateRoleDocument, { input: { organizationId: org.id, key: 'remover', name: 'Bouncer' } }))).toEqual(
      ['FORBIDDEN', 'PERMISSION_REQUIRED', 'members:remove'],
    );
    expect(
      await reasonOf(
        manager,
        manager.client.request(UpdateRoleDocument, { input: { organizationId: org.id, key: 'manager', permissions: ['roles:manage', 'members:remove'] } }),
      ),
    ).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'members:remove']);
    // Assigning one.
    expect(await reasonOf(manager, assign(manager, org.id, member, 'remover'))).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'members:remove']);
    expect(await reasonOf(manager, assign(manager, org.id, member, 'admin'))).toEqual(['FORBIDDEN', 'PERMISSION_REQUIRED', 'api_keys:manage']);
    const rows = await sql(`SELECT key, name, permissions FROM ${t.table('organization_roles')} WHERE organization_id = $1 ORDER BY key`, [org.id]);
    expect(rows.map((r) => [r.key, r.name])).toEqual([
      ['manager', 'manager'],
      ['remover', 'remover'],
    ]);
    expect((await sql(`SELECT role FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [org.id, member.userId]))[0].role).toBe(
      'member',
    );

    // Within what they hold, they can.
    await createRole(manager, org.id, 'reader', ['members:read']);
    const { updateMemberRole } = await assign(manager, org.id, member, 'reader');
    expect(updateMemberRole.role).toBe('reader');
    const asMember = (await member.client.query(OrganizationRolesDocument, { id: org.id })).organization!;
    expect([asMember.viewerRole, asMember.viewerPermissions]).toEqual(['reader', ['members:read', 'org:read']]);
  });

  it('a custom role’s holder gets its permissions; a permission stripped from the role is refused at once, same token', async () => {
    const { owner, admin, member, org } = await team();
    const bouncer = await person('bouncer');
    await addMember(org.id, bouncer, 'member');
    await createRole(owner, org.id, 'bouncer', ['members:remove', 'members:read']);
    await assign(owner, org.id, bouncer, 'bouncer');
    const seen = (await bouncer.client.query(OrganizationMembersCanDocument, { id: org.id, permission: 'members:remove' })).organization!;
    expect([seen.can, seen.viewerPermissions, seen.members.nodes.length]).toEqual([true, ['members:read', 'members:remove', 'org:read'], 4]);
    expect((await bouncer.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: member.userId } })).removeMember).toBe(true);

    const token = bouncer.client.accessToken;
    await owner.client.request(UpdateRoleDocument, { input: { organizationId: org.id, key: 'bouncer', permissions: [] } });
    expect(bouncer.client.accessToken).toBe(token);
    expect(await reasonOf(bouncer, bouncer.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: admin.userId } }))).toEqual([
      'FORBIDDEN',
      'PERMISSION_REQUIRED',
      'members:remove',
    ]);
    expect(await reasonOf(bouncer, bouncer.client.query(OrganizationMembersCanDocument, { id: org.id, permission: 'members:remove' }))).toEqual([
      'FORBIDDEN',
      'PERMISSION_REQUIRED',
      'members:read',
    ]);
    const now = (await bouncer.client.query(OrganizationRolesDocument, { id: org.id })).organization!;
    expect([now.viewerRole, now.viewerPermissions]).toEqual(['bouncer', ['org:read']]);
  });

  it('deleteRole while a member holds it is ROLE_IN_USE; deleting the organization deletes its roles', async () => {
    const { owner, member, org } = await team();
    await createRole(owner, org.id, 'helper', ['members:read']);
    await assign(owner, org.id, member, 'helper');
    expect(await reasonOf(owner, owner.client.request(DeleteRoleDocument, { organizationId: org.id, key: 'helper' }))).toEqual([
      'BAD_USER_INPUT',
      'ROLE_IN_USE',
      undefined,
    ]);
    await assign(owner, org.id, member, 'member');
    expect((await owner.client.request(DeleteRoleDocument, { organizationId: org.id, key: 'helper' })).deleteRole).toBe(true);

    await createRole(owner, org.id, 'keeper', []);
    const count = async () => (await sql(`SELECT count(*)::int AS n FROM ${t.table('organization_roles')} WHERE organization_id = $1`, [org.id]))[0].n;
    expect(await count()).toBe(1);
    await owner.client.request(DeleteOrganizationDocument, { organizationId: org.id });
    expect(await count()).toBe(0);
  });

  it(`past ORG_MAX_CUSTOM_ROLES (${MAX_CUSTOM_ROLES} here) createRole is FORBIDDEN LIMIT_REACHED, per organization`, async () => {
    const a = await team();
    const b = await team();
    for (let i = 0; i < MAX_CUSTOM_ROLES; i += 1) await createRole(a.owner, a.org.id, `role-${i}`, []);
    expect(await reasonOf(a.owner, createRole(a.owner, a.org.id, 'one-more', []))).toEqual(['FORBIDDEN', 'LIMIT_REACHED', 'ORG_MAX_CUSTOM_ROLES']);
    await createRole(b.owner, b.org.id, 'one-more', []);
    await a.owner.client.request(DeleteRoleDocument, { organizationId: a.org.id, key: 'role-0' });
    await createRole(a.owner, a.org.id, 'one-more', []);
  });

  it('roles of another organization: NOT_A_MEMBER for createRole, updateRole, deleteRole; its keys do not exist here', async () => {
    const a = await team();
    const b = await team();
    await createRole(b.owner, b.org.id, 'secret', ['members:read']);
    for (const organizationId of [b.org.id, randomUUID(), 'not-a-uuid']) {
      for (const attempt of [
        createRole(a.owner, organizationId, 'mine', []),
        a.owner.client.request(UpdateRoleDocument, { input: { organizationId, key: 'secret', name: 'Mine' } }),
        a.owner.client.request(DeleteRoleDocument, { organizationId, key: 'secret' }),
      ]) {
        const err = await a.owner.client.error(attempt);
        expect([err.code, err.extensions.reason]).toEqual(['FORBIDDEN', 'NOT_A_MEMBER']);
      }
    }
    expect((await a.owner.client.query(OrganizationRolesDocument, { id: b.org.id })).organization).toBeNull();
    expect(await reasonOf(a.owner, assign(a.owner, a.org.id, a.member, 'secret'))).toEqual(['BAD_USER_INPUT', 'role', undefined]);
    const rows = await sql(`SELECT organization_id, name FROM ${t.table('organization_roles')} WHERE key = 'secret' AND organization_id IN ($1, $2)`, [
      a.org.id,
      b.org.id,
    ]);
    expect(rows).toEqual([{ organization_id: b.org.id, name: 'secret' }]);
  });
});
