import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { rawPost, type WardenClient } from '../support/graphql-client';
import { CreateApiKeyDocument, CreateOrganizationDocument, UpdateMemberRoleDocument, type CreateApiKeyInput } from '../graphql/generated/graphql';

const clock = new TestClock();

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

/** An organization's API key calling the organization mutations open to keys, over HTTP (docs/threat-model.md "API keys"). */
describe('API keys: an organization’s key acting on its organization', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { RATE_LIMIT_SENDS_PER_HOUR: '100' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t.app.dataSource.query(text, params);
  const person = async (label = 'member'): Promise<Person> => {
    const client = t.client();
    const email = uniqueEmail(label);
    const payload = await signUpAndVerify(t, client, email);
    return { client, userId: payload.user.id, email };
  };
  let joined = 0;
  const addMember = async (organizationId: string, who: Person, role: string): Promise<void> => {
    await sql(
      `INSERT INTO ${t.table('memberships')} (id, organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [randomUUID(), organizationId, who.userId, role, ++joined],
    );
  };
  const createKey = async (who: Person, input: CreateApiKeyInput) => (await who.client.request(CreateApiKeyDocument, { input })).createApiKey;
  const asKey = async (bearer: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await rawPost(t.url, JSON.stringify({ query, variables }), { authorization: `Bearer ${bearer}` });
    return { data: res.json.data as Record<string, any> | null | undefined, error: res.json.errors?.[0]?.extensions as Record<string, any> | undefined };
  };
  const ALL = ['org:read', 'org:update', 'members:read', 'members:invite', 'members:update_role', 'members:remove', 'roles:manage'];

  it('an organization’s key runs every open organization mutation and reads invitations, members and roles; audit rows carry data.apiKeyId', async () => {
    const owner = await person('owner');
    const [a, b] = [await person('a'), await person('b')];
    const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Key Ops' } })).createOrganization;
    await addMember(org.id, a, 'member');
    await addMember(org.id, b, 'member');
    const { secret, apiKey } = await createKey(owner, { organizationId: org.id, name: 'ops', scopes: ALL });
    const o = org.id;

    const renamed = await asKey(secret, `mutation ($o: ID!) { updateOrganization(input: { organizationId: $o, name: "Renamed" }) { name } }`, { o });
    expect(renamed).toEqual({ data: { updateOrganization: { name: 'Renamed' } }, error: undefined });
    const invited = await asKey(
      secret,
      `mutation ($o: ID!) { inviteMember(input: { organizationId: $o, email: "new@example.com", role: "member" }) { id status } }`,
      { o },
    );
    expect(invited.error).toBeUndefined();
    const invitationId = invited.data!.inviteMember.id as string;
    clock.advance(400_000);
    const resent = await asKey(secret, `mutation ($id: ID!) { resendInvitation(id: $id) { id status } }`, { id: invitationId });
    expect(resent).toEqual({ data: { resendInvitation: { id: invitationId, status: 'PENDING' } }, error: undefined });
    const read = await asKey(
      secret,
      `query ($o: ID!) { organization(id: $o) { invitations { nodes { id } } members { nodes { userId role } } roles { key } } }`,
      { o },
    );
    expect(read.error).toBeUndefined();
    expect(read.data!.organization.invitations.nodes.map((n: { id: string }) => n.id)).toEqual([invitationId]);
    expect(read.data!.organization.members.nodes).toHaveLength(3);
    expect(read.data!.organization.roles.map((r: { key: string }) => r.key)).toEqual(['owner', 'admin', 'member']);
    const revoked = await asKey(secret, `mutation ($id: ID!) { revokeInvitation(id: $id) { status } }`, { id: invitationId });
    expect(revoked).toEqual({ data: { revokeInvitation: { status: 'REVOKED' } }, error: undefined });
    const created = await asKey(
      secret,
      `mutation ($o: ID!) { createRole(input: { organizationId: $o, key: "ops", name: "Ops", permissions: ["org:read"] }) { key } }`,
      { o },
    );
    expect(created).toEqual({ data: { createRole: { key: 'ops' } }, error: undefined });
    const updated = await asKey(secret, `mutation ($o: ID!) { updateRole(input: { organizationId: $o, key: "ops", name: "Ops team" }) { name } }`, { o });
    expect(updated).toEqual({ data: { updateRole: { name: 'Ops team' } }, error: undefined });
    const moved = await asKey(secret, `mutation ($o: ID!, $u: ID!) { updateMemberRole(input: { organizationId: $o, userId: $u, role: "ops" }) { role } }`, {
      o,
      u: a.userId,
    });
    expect(moved).toEqual({ data: { updateMemberRole: { role: 'ops' } }, error: undefined });
    const removed = await asKey(secret, `mutation ($o: ID!, $u: ID!) { removeMember(input: { organizationId: $o, userId: $u }) }`, { o, u: a.userId });
    expect(removed).toEqual({ data: { removeMember: true }, error: undefined });
    const deleted = await asKey(secret, `mutation ($o: ID!) { deleteRole(organizationId: $o, key: "ops") }`, { o });
    expect(deleted).toEqual({ data: { deleteRole: true }, error: undefined });

    const rows = await sql(`SELECT event, user_id, data FROM ${t.table('audit_events')} WHERE data->>'apiKeyId' = $1 ORDER BY id`, [apiKey.id]);
    const events = new Set(rows.map((r) => r.event as string));
    const expected = [
      'organization.updated',
      'invitation.sent',
      'invitation.revoked',
      'role.created',
      'role.updated',
      'role.deleted',
      'member.role_updated',
      'member.removed',
    ];
    for (const event of expected) expect({ event, seen: events.has(event) }).toEqual({ event, seen: true });
    // The key acts under its creator's membership: the rows name the creator (the target's own rows name the target).
    expect(rows.filter((r) => r.event === 'organization.updated').map((r) => r.user_id)).toEqual([owner.userId]);
  });

  it('the key’s effective scopes decide (key scopes ∩ the creator’s permissions now); a key never gives or takes owner; another organization is out of reach', async () => {
    const owner = await person('owner');
    const [admin, m, coOwner] = [await person('admin'), await person('m'), await person('co-owner')];
    const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Scoped' } })).createOrganization;
    const other = (await admin.client.request(CreateOrganizationDocument, { input: { name: 'Elsewhere' } })).createOrganization;
    await addMember(org.id, admin, 'admin');
    await addMember(org.id, m, 'member');
    await addMember(org.id, coOwner, 'owner');
    await addMember(other.id, m, 'member');
    const o = org.id;
    const ownerKey = (await createKey(owner, { organizationId: o, name: 'own', scopes: ['members:update_role', 'members:remove', 'members:invite'] })).secret;
    const narrow = (await createKey(owner, { organizationId: o, name: 'narrow', scopes: ['org:read'] })).secret;
    const adminKey = (await createKey(admin, { organizationId: o, name: 'adm', scopes: ['members:remove', 'roles:manage', 'org:read'] })).secret;
    const role = `mutation ($o: ID!, $u: ID!, $r: String!) { updateMemberRole(input: { organizationId: $o, userId: $u, role: $r }) { role } }`;

    // Not among the key's scopes: refused before anything runs.
    const e1 = await asKey(narrow, `mutation ($o: ID!) { updateOrganization(input: { organizationId: $o, name: "No" }) { name } }`, { o });
    expect(e1.error).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY' });
    // Even an owner's key never gives or takes owner.
    expect((await asKey(ownerKey, role, { o, u: m.userId, r: 'owner' })).error).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });
    expect(
      (await asKey(ownerKey, `mutation ($o: ID!, $u: ID!) { removeMember(input: { organizationId: $o, userId: $u }) }`, { o, u: coOwner.userId })).error,
    ).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'OWNER_REQUIRED',
    });
    const ownerInvite = `mutation ($o: ID!) { inviteMember(input: { organizationId: $o, email: "boss@example.com", role: "owner" }) { id } }`;
    expect((await asKey(ownerKey, ownerInvite, { o })).error).toMatchObject({ code: 'FORBIDDEN', reason: 'OWNER_REQUIRED' });
    // A role granting what the key lacks (members:read is the creator's, not the key's): PERMISSION_REQUIRED.
    const grant = `mutation ($o: ID!) { createRole(input: { organizationId: $o, key: "readers", name: "R", permissions: ["members:read"] }) { key } }`;
    expect((await asKey(adminKey, grant, { o })).error).toMatchObject({ code: 'FORBIDDEN', reason: 'PERMISSION_REQUIRED', permission: 'members:read' });
    // Another organization where the creator is an owner: as if not a member.
    const elsewhere = `mutation ($o: ID!, $u: ID!) { removeMember(input: { organizationId: $o, userId: $u }) }`;
    expect((await asKey(adminKey, elsewhere, { o: other.id, u: m.userId })).error).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_A_MEMBER' });
    expect(await sql(`SELECT 1 FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [other.id, m.userId])).toHaveLength(1);
    // The creator lowered to member: members:remove leaves the effective scopes at once.
    await owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: o, userId: admin.userId, role: 'member' } });
    const later = await asKey(adminKey, elsewhere, { o, u: m.userId });
    expect(later.error).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY' });
    expect(await sql(`SELECT 1 FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [o, m.userId])).toHaveLength(1);
  });
});
