import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { rawPost, type WardenClient } from '../support/graphql-client';
import { CreateApiKeyDocument, CreateOrganizationDocument } from '../graphql/generated/graphql';

jest.setTimeout(180_000);

const doc = (text: TemplateStringsArray) => gql(text) as TypedDocumentNode<any, any>;
const Ban = doc`mutation Ban($input: BanUserInput!) { banUser(input: $input) { id } }`;
const Unban = doc`mutation Unban($userId: ID!) { unbanUser(userId: $userId) { id } }`;
const Start = doc`mutation Start($input: StartImpersonationInput!) { startImpersonation(input: $input) { accessToken } }`;

const clock = new TestClock();
const ADMIN = `keys-admin.${Date.now().toString(36)}@example.com`;

/** API keys at the edge with administration (docs/threat-model.md "API keys"), over HTTP. */
describe('API keys and administration', () => {
  let t: TestApp;
  let admin: TwoFactorUser;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { ADMIN_EMAILS: ADMIN } });
    admin = await userWithAuthenticator(t, clock, ADMIN);
  });
  afterAll(() => t?.close());

  const person = async (label: string): Promise<{ client: WardenClient; userId: string }> => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client, uniqueEmail(label));
    return { client, userId: payload.user.id };
  };
  const asKey = async (bearer: string, query: string, variables: Record<string, unknown> = {}) => {
    const res = await rawPost(t.url, JSON.stringify({ query, variables }), { authorization: `Bearer ${bearer}` });
    return { data: res.json.data as Record<string, any> | null | undefined, error: res.json.errors?.[0]?.extensions as Record<string, any> | undefined };
  };
  const exchange = async (secret: string) => {
    const response = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: secret.slice(0, 16), client_secret: secret }).toString(),
    });
    return { status: response.status, json: (await response.json()) as Record<string, any> };
  };

  test('banUser of a key’s creator: the key and its exchanged token answer as unknown at once; unbanUser: they work again', async () => {
    const creator = await person('creator');
    const org = (await creator.client.request(CreateOrganizationDocument, { input: { name: 'Banned Co' } })).createOrganization;
    const { secret } = (await creator.client.request(CreateApiKeyDocument, { input: { organizationId: org.id, name: 'ci', scopes: ['org:read'] } }))
      .createApiKey;
    const personal = (await creator.client.request(CreateApiKeyDocument, { input: { name: 'mine', scopes: ['org:read'] } })).createApiKey.secret;
    const first = await exchange(secret);
    expect(first.status).toBe(200);
    const token = first.json.access_token as string;
    const read = 'query ($o: ID!) { organization(id: $o) { id } }';
    for (const bearer of [secret, token, personal])
      expect(await asKey(bearer, read, { o: org.id })).toEqual({ data: { organization: { id: org.id } }, error: undefined });

    await raiseToAal2(clock, admin);
    await admin.client.request(Ban, { input: { userId: creator.userId, reason: 'fraud' } });
    for (const bearer of [secret, token, personal]) {
      const res = await asKey(bearer, read, { o: org.id });
      expect(res.error).toMatchObject({ code: 'UNAUTHENTICATED' });
      expect(res.data ?? null).toBeNull();
    }
    expect(await exchange(secret)).toMatchObject({ status: 401, json: { error: 'invalid_client' } });

    await raiseToAal2(clock, admin);
    await admin.client.request(Unban, { userId: creator.userId });
    for (const bearer of [secret, token, personal])
      expect(await asKey(bearer, read, { o: org.id })).toEqual({ data: { organization: { id: org.id } }, error: undefined });
    expect((await exchange(secret)).status).toBe(200);
  });

  test('an impersonation token: createApiKey, rotateApiKey and revokeApiKey are FORBIDDEN IMPERSONATION and nothing changes', async () => {
    const user = await person('impersonated');
    const { apiKey } = (await user.client.request(CreateApiKeyDocument, { input: { name: 'mine', scopes: ['org:read'] } })).createApiKey;
    await raiseToAal2(clock, admin);
    const { startImpersonation } = await admin.client.request(Start, { input: { userId: user.userId, reason: 'ticket 7' } });
    const calls: [string, Record<string, unknown>][] = [
      ['mutation { createApiKey(input: { name: "x", scopes: ["org:read"] }) { secret } }', {}],
      ['mutation ($id: ID!) { rotateApiKey(id: $id) { secret } }', { id: apiKey.id }],
      ['mutation ($id: ID!) { revokeApiKey(id: $id) }', { id: apiKey.id }],
    ];
    for (const [query, variables] of calls) {
      const res = await asKey(startImpersonation.accessToken, query, variables);
      expect({ query, error: res.error }).toMatchObject({ query, error: { code: 'FORBIDDEN', reason: 'IMPERSONATION' } });
    }
    const rows = await t.app.dataSource.query(`SELECT prefix, revoked_at FROM ${t.table('api_keys')} WHERE created_by_user_id = $1`, [user.userId]);
    expect(rows).toEqual([{ prefix: apiKey.prefix, revoked_at: null }]);
  });

  test('an admin’s personal key and its token are not an admin session: events without organizationId and admin fields are FORBIDDEN API_KEY', async () => {
    await raiseToAal2(clock, admin);
    const { secret } = (await admin.client.request(CreateApiKeyDocument, { input: { name: 'admin-own', scopes: ['events:read'] } })).createApiKey;
    const first = await exchange(secret);
    expect(first.status).toBe(200);
    for (const bearer of [secret, first.json.access_token as string]) {
      for (const query of ['{ events(first: 1) { endCursor } }', '{ adminUsers(first: 1) { nodes { id } } }']) {
        const res = await asKey(bearer, query);
        expect({ query, data: res.data ?? null, error: res.error }).toMatchObject({ query, data: null, error: { code: 'FORBIDDEN', reason: 'API_KEY' } });
      }
    }
    // The same admin on their aal2 session reads every event.
    const own = await admin.client.query(doc`query { events(first: 1) { endCursor } }`, {});
    expect(own.events).toBeDefined();
  });
});
