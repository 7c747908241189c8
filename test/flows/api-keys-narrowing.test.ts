import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { rawPost, type WardenClient } from '../support/graphql-client';
import { CreateApiKeyDocument, CreateOrganizationDocument, type CreateApiKeyInput } from '../graphql/generated/graphql';

const clock = new TestClock();

/**
 * A key's reach is never wider than what it was narrowed to (docs/threat-model.md "API keys"): the events feed checks
 * the key's scopes, a token exchanged with `scope` acts with that narrower list, and a personal key's token exchanged
 * with `organization_id` acts in that organization only.
 */
describe('API keys: narrowed keys and tokens stay narrow', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const person = async (label: string): Promise<{ client: WardenClient; userId: string }> => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client, uniqueEmail(label));
    return { client, userId: payload.user.id };
  };
  const addMember = (organizationId: string, userId: string, role: string) =>
    t.app.dataSource.query(`INSERT INTO ${t.table('memberships')} (id, organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4, now())`, [
      randomUUID(),
      organizationId,
      userId,
      role,
    ]);
  const createKey = async (client: WardenClient, input: CreateApiKeyInput) => (await client.request(CreateApiKeyDocument, { input })).createApiKey;
  const exchange = async (secret: string, extra: Record<string, string> = {}) => {
    const response = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: secret.slice(0, 16), client_secret: secret, ...extra }).toString(),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  const asKey = async (bearer: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await rawPost(t.url, JSON.stringify({ query, variables }), { authorization: `Bearer ${bearer}` });
    return { data: res.json.data as Record<string, any> | null | undefined, error: res.json.errors?.[0]?.extensions as Record<string, any> | undefined };
  };
  const EVENTS = `query ($o: ID!) { events(organizationId: $o) { nodes { type } } }`;

  it('events(organizationId) checks the key’s scopes: a personal key without events:read is refused; an organization’s key with it reads its own feed', async () => {
    const owner = await person('owner');
    const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Feed' } })).createOrganization;
    const narrow = await createKey(owner.client, { name: 'narrow', scopes: ['org:read'] });
    const refused = await asKey(narrow.secret, EVENTS, { o: org.id });
    expect(refused.error).toMatchObject({ code: 'FORBIDDEN' });
    expect(refused.data?.events).toBeUndefined();

    const feedKey = await createKey(owner.client, { organizationId: org.id, name: 'feed', scopes: ['org:read', 'events:read'] });
    const read = await asKey(feedKey.secret, EVENTS, { o: org.id });
    expect(read.error).toBeUndefined();
    expect(Array.isArray(read.data!.events.nodes)).toBe(true);
    const other = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Other feed' } })).createOrganization;
    expect((await asKey(feedKey.secret, EVENTS, { o: other.id })).error).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_A_MEMBER' });
  });

  it('a token exchanged with a narrower scope cannot use the key’s other scopes', async () => {
    const owner = await person('owner2');
    const member = await person('member2');
    const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Narrow' } })).createOrganization;
    await addMember(org.id, member.userId, 'member');
    const key = await createKey(owner.client, { name: 'wide', scopes: ['org:read', 'members:read', 'members:remove'] });
    const token = await exchange(key.secret, { scope: 'org:read', organization_id: org.id });
    expect(token.status).toBe(200);
    expect(token.json.scope).toBe('org:read');
    const removal = await asKey(token.json.access_token, `mutation ($o: ID!, $u: ID!) { removeMember(input: { organizationId: $o, userId: $u }) }`, {
      o: org.id,
      u: member.userId,
    });
    expect(removal.error).toMatchObject({ code: 'FORBIDDEN' });
    const rows = await t.app.dataSource.query(`SELECT 1 FROM ${t.table('memberships')} WHERE organization_id = $1 AND user_id = $2`, [org.id, member.userId]);
    expect(rows).toHaveLength(1);
    const members = await asKey(token.json.access_token, `query ($o: ID!) { organization(id: $o) { members { nodes { userId } } } }`, { o: org.id });
    expect(members.error).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('a personal key’s token exchanged for organization A acts in A only', async () => {
    const owner = await person('owner3');
    const a = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Org A' } })).createOrganization;
    const b = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Org B' } })).createOrganization;
    const key = await createKey(owner.client, { name: 'personal', scopes: ['org:read', 'org:update'] });
    const token = await exchange(key.secret, { organization_id: a.id });
    expect(token.status).toBe(200);
    const bearer = token.json.access_token as string;
    const renameB = await asKey(bearer, `mutation ($o: ID!) { updateOrganization(input: { organizationId: $o, name: "Hijacked" }) { name } }`, { o: b.id });
    expect(renameB.error).toMatchObject({ code: 'FORBIDDEN', reason: 'NOT_A_MEMBER' });
    const [row] = await t.app.dataSource.query(`SELECT name FROM ${t.table('organizations')} WHERE id = $1`, [b.id]);
    expect(row.name).toBe('Org B');
    expect((await asKey(bearer, `query ($o: ID!) { organization(id: $o) { id } }`, { o: b.id })).data?.organization).toBeNull();
    const renameA = await asKey(bearer, `mutation ($o: ID!) { updateOrganization(input: { organizationId: $o, name: "Org A2" }) { name } }`, { o: a.id });
    expect(renameA).toEqual({ data: { updateOrganization: { name: 'Org A2' } }, error: undefined });
  });
});
