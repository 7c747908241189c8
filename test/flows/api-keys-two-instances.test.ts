import { randomUUID } from 'node:crypto';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { rawPost } from '../support/graphql-client';
import { describeTwoInstances, revocationsLocal, startTwoInstances, twoInstancesTitle, until, type TwoInstances } from '../support/two-instances';
import type { TestApp } from '../support/start-test-app';
import { CreateApiKeyDocument, CreateOrganizationDocument, RevokeApiKeyDocument, UpdateMemberRoleDocument } from '../graphql/generated/graphql';

/** docs/threat-model.md "API keys": a revoked key stops on every instance within a second, its exchanged tokens too. */
describeTwoInstances(`API keys on two gateway instances (one PostgreSQL, one Redis)${twoInstancesTitle}`, () => {
  let two: TwoInstances;
  beforeAll(async () => {
    two = await startTwoInstances('api-keys');
  });
  afterAll(async () => {
    await two?.close();
  });

  const keyOf = async () => {
    const client = two.a.client();
    await signUpAndVerify(two.a, client, uniqueEmail('keys'));
    const org = (await client.request(CreateOrganizationDocument, { input: { name: `Two ${randomUUID().slice(0, 8)}` } })).createOrganization;
    const { createApiKey } = await client.request(CreateApiKeyDocument, { input: { organizationId: org.id, name: 'ci', scopes: ['org:read'] } });
    return { client, org, key: createApiKey };
  };
  const exchange = async (t: TestApp, secret: string) => {
    const response = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_secret: secret }).toString(),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };
  /** The error code (or "ok") of a request on `t` with this bearer. */
  const outcome = async (t: TestApp, bearer: string): Promise<string> => {
    const res = await rawPost(t.url, JSON.stringify({ query: '{ permissions { name } }' }), { authorization: `Bearer ${bearer}` });
    return res.json.errors?.[0]?.extensions?.code ?? (res.json.data?.permissions ? 'ok' : 'none');
  };

  test('a key revoked on A is refused on B within a second, and so is its exchanged token', async () => {
    const { client, key } = await keyOf();
    const token = (await exchange(two.b, key.secret)).json.access_token as string;
    // B has read the key (and remembers it).
    expect(await outcome(two.b, key.secret)).toBe('ok');
    expect(await outcome(two.b, token)).toBe('ok');
    const revokedAt = Date.now();
    await client.request(RevokeApiKeyDocument, { id: key.apiKey.id });
    await until(async () => (await outcome(two.b, key.secret)) === 'UNAUTHENTICATED', 'B refuses the key', 1000);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(await outcome(two.b, token)).toBe('UNAUTHENTICATED');
    expect((await exchange(two.b, key.secret)).status).toBe(401);
  });

  test('the creator’s role lowered on A: the key’s effective scopes shrink on B within a second', async () => {
    const { client, org } = await keyOf();
    const admin = two.a.client();
    const adminAuth = await signUpAndVerify(two.a, admin, uniqueEmail('keys-admin'));
    await two.a.app.dataSource.query(
      `INSERT INTO ${two.a.table('memberships')} (id, organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, 'admin', now() + interval '1 second')`,
      [randomUUID(), org.id, adminAuth.user.id],
    );
    const { createApiKey } = await admin.request(CreateApiKeyDocument, { input: { organizationId: org.id, name: 'ci', scopes: ['org:read', 'org:update'] } });
    const permissionsOnB = async () =>
      (
        await rawPost(two.b.url, JSON.stringify({ query: 'query ($id: ID!) { organization(id: $id) { viewerPermissions } }', variables: { id: org.id } }), {
          authorization: `Bearer ${createApiKey.secret}`,
        })
      ).json.data.organization.viewerPermissions as string[];
    expect(await permissionsOnB()).toEqual(['org:read', 'org:update']);
    const changedAt = Date.now();
    await client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: adminAuth.user.id, role: 'member' } });
    await until(async () => (await permissionsOnB()).join() === 'org:read', 'B shrinks the key', 1000);
    expect(Date.now() - changedAt).toBeLessThan(1000);
  });

  test('with B’s channel frozen, B reads PostgreSQL at every use: a key revoked on A is refused on B at once', async () => {
    const { client, key } = await keyOf();
    expect(await outcome(two.b, key.secret)).toBe('ok');
    two.proxy.freezeSubscribers();
    try {
      await until(async () => (await revocationsLocal(two.b)) === 0, 'B no longer trusts its local copy');
      await client.request(RevokeApiKeyDocument, { id: key.apiKey.id });
      expect(await outcome(two.b, key.secret)).toBe('UNAUTHENTICATED');
    } finally {
      two.proxy.restore();
    }
    await until(async () => (await revocationsLocal(two.b)) === 1, 'B current again');
  });
});
