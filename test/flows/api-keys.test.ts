import { createHash, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { rawPost, type WardenClient } from '../support/graphql-client';
import { statementsDuring } from '../support/statements';
import { checksum } from '../../src/modules/api-keys/api-key-format';
import {
  CreateApiKeyDocument,
  CreateOrganizationDocument,
  CreateRoleDocument,
  KeyOrganizationDocument,
  KeyViewerDocument,
  OrganizationApiKeysDocument,
  RemoveMemberDocument,
  RevokeApiKeyDocument,
  RotateApiKeyDocument,
  UpdateMemberRoleDocument,
  ViewerApiKeysDocument,
  type CreateApiKeyInput,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const KEY_PATTERN = /^wdn_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

/** API keys and machine tokens (issue #28) over HTTP, on real PostgreSQL and Redis: docs/threat-model.md "API keys". */
describe('API keys', () => {
  let t: TestApp;
  const lines: string[] = [];
  /** Every key and secret part this file saw: none may reach the log. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    t = await startTestApp({
      overrides: { now: clock.now, logDestination: destination },
      env: { LOG_LEVEL: 'trace', API_KEY_MAX_PER_OWNER: '3', RATE_LIMIT_SENDS_PER_HOUR: '100' },
    });
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
  const team = async () => {
    const [owner, admin, member] = [await person('owner'), await person('admin'), await person('member')];
    const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Keys Inc' } })).createOrganization;
    await addMember(org.id, admin, 'admin');
    await addMember(org.id, member, 'member');
    return { owner, admin, member, org };
  };
  const createKey = async (who: Person, input: CreateApiKeyInput) => {
    const { createApiKey } = await who.client.request(CreateApiKeyDocument, { input });
    secrets.add(createApiKey.secret);
    secrets.add(createApiKey.secret.split('_')[2]!);
    return createApiKey;
  };
  /** POST /oauth/token with a form (and headers). */
  const exchange = async (form: Record<string, string>, headers: Record<string, string> = {}) => {
    const response = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text) as Record<string, any>, text, headers: response.headers };
  };
  const exchangeKey = (secret: string, extra: Record<string, string> = {}) =>
    exchange({ grant_type: 'client_credentials', client_id: secret.slice(0, 16), client_secret: secret, ...extra });
  /** A GraphQL request with the key (or its token) as the bearer. */
  const asKey = (bearer: string, query: string, variables: Record<string, unknown> = {}, extensions?: Record<string, unknown>) =>
    rawPost(t.url, JSON.stringify({ query, variables, ...(extensions ? { extensions } : {}) }), { authorization: `Bearer ${bearer}` });
  const errorOf = (res: { json: any }) => res.json.errors?.[0] as { message: string; extensions: Record<string, any> } | undefined;

  describe('creating keys: no escalation', () => {
    it('no escalation: a key’s scopes must be held by its creator; org:delete and unknown scopes are refused', async () => {
      const { owner, member, org } = await team();
      const outsider = await person('outsider');
      // A member lacks api_keys:manage.
      let e = await member.client.error(
        member.client.request(CreateApiKeyDocument, { input: { organizationId: org.id, name: 'ci', scopes: ['members:read'] } }),
      );
      expect(e).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'PERMISSION_REQUIRED', permission: 'api_keys:manage' } });
      // A custom role with api_keys:manage but not members:remove cannot give a key members:remove.
      await owner.client.request(CreateRoleDocument, {
        input: { organizationId: org.id, key: 'keymaster', name: 'Key master', permissions: ['api_keys:manage'] },
      });
      const keymaster = await person('keymaster');
      await addMember(org.id, keymaster, 'keymaster');
      e = await keymaster.client.error(
        keymaster.client.request(CreateApiKeyDocument, {
          input: { organizationId: org.id, name: 'ci', scopes: ['org:read', 'members:remove', 'members:invite'] },
        }),
      );
      expect(e).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'PERMISSION_REQUIRED', permission: 'members:invite' } });
      const held = await createKey(keymaster, { organizationId: org.id, name: 'ci', scopes: ['org:read', 'api_keys:manage'] });
      expect(held.apiKey).toMatchObject({ organizationId: org.id, createdByUserId: keymaster.userId, scopes: ['api_keys:manage', 'org:read'] });
      // org:delete is in no key, not even an owner's; unknown and empty scope lists are bad input.
      for (const scopes of [['org:delete'], ['invoices:nope'], []]) {
        e = await owner.client.error(owner.client.request(CreateApiKeyDocument, { input: { organizationId: org.id, name: 'ci', scopes } }));
        expect(e).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'scopes' } });
      }
      // Another organization's id answers like an unknown one.
      for (const organizationId of [org.id, randomUUID()]) {
        e = await outsider.client.error(outsider.client.request(CreateApiKeyDocument, { input: { organizationId, name: 'ci', scopes: ['org:read'] } }));
        expect(e).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_A_MEMBER' } });
      }
      // Bad allowedOperations, expiry and rate.
      const bad: [Partial<CreateApiKeyInput>, string][] = [
        [{ allowedOperations: ['not-a-hash'] }, 'allowedOperations'],
        [{ expiresAt: new Date(clock.now().getTime() - 1000).toISOString() }, 'expiresAt'],
        [{ rateLimitPerMinute: 601 }, 'rateLimitPerMinute'],
        [{ rateLimitPerMinute: 0 }, 'rateLimitPerMinute'],
      ];
      for (const [extra, field] of bad) {
        e = await owner.client.error(
          owner.client.request(CreateApiKeyDocument, { input: { organizationId: org.id, name: 'ci', scopes: ['org:read'], ...extra } }),
        );
        expect(e).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field } });
      }
    });

    it('API_KEY_MAX_PER_OWNER live keys per organization and per user: LIMIT_REACHED; a revoked key frees its place', async () => {
      const { owner, org } = await team();
      const keys = [];
      for (let i = 0; i < 3; i++) keys.push(await createKey(owner, { organizationId: org.id, name: `k${i}`, scopes: ['org:read'] }));
      const e = await owner.client.error(owner.client.request(CreateApiKeyDocument, { input: { organizationId: org.id, name: 'k3', scopes: ['org:read'] } }));
      expect(e).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 3 } });
      // Personal keys count apart.
      await createKey(owner, { name: 'mine', scopes: [] });
      await owner.client.request(RevokeApiKeyDocument, { id: keys[0]!.apiKey.id });
      await createKey(owner, { organizationId: org.id, name: 'k3', scopes: ['org:read'] });
    });
  });

  describe('the exchange (POST /oauth/token)', () => {
    it('client credentials: an at+jwt with client_id, scope, org_id and sub, no sid/amr/aal/auth_time/act, verified by the JWKS', async () => {
      const { owner, org } = await team();
      const { secret, apiKey } = await createKey(owner, { organizationId: org.id, name: 'ci', scopes: ['members:read', 'org:read'] });
      expect(secret).toMatch(KEY_PATTERN);
      expect(apiKey.prefix).toBe(secret.slice(0, 16));
      const res = await exchangeKey(secret);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 300, scope: 'members:read org:read' });
      expect(decodeProtectedHeader(res.json.access_token).typ).toBe('at+jwt');
      const { payload } = await jwtVerify(res.json.access_token, createRemoteJWKSet(new URL(`${t.url}/.well-known/jwks.json`)), { typ: 'at+jwt' });
      expect(payload).toMatchObject({ client_id: apiKey.prefix, sub: apiKey.prefix, scope: 'members:read org:read', org_id: org.id });
      expect(payload.exp! - payload.iat!).toBe(300);
      expect(typeof payload.jti).toBe('string');
      for (const claim of ['sid', 'amr', 'aal', 'auth_time', 'act', 'refresh_token']) expect(payload).not.toHaveProperty(claim);
      // A subset of the scopes; HTTP Basic works as well as the body.
      const basic = Buffer.from(`${apiKey.prefix}:${secret}`).toString('base64');
      const subset = await exchange({ grant_type: 'client_credentials', scope: 'org:read' }, { authorization: `Basic ${basic}` });
      expect(subset.json).toMatchObject({ scope: 'org:read' });
      // The token as a bearer: the organization, with the key's effective scopes.
      const viaToken = await asKey(res.json.access_token, 'query ($id: ID!) { organization(id: $id) { id viewerRole viewerPermissions memberCount } }', {
        id: org.id,
      });
      expect(viaToken.json.data.organization).toEqual({ id: org.id, viewerRole: null, viewerPermissions: ['members:read', 'org:read'], memberCount: 3 });
    });

    it('RFC 6749 §5.2 errors: invalid_request, unsupported_grant_type, invalid_client, invalid_scope; a personal key acts in organization_id', async () => {
      const { owner, org } = await team();
      const { secret, apiKey } = await createKey(owner, { name: 'mine', scopes: ['org:read', 'members:read'] });
      expect((await exchange({ client_id: apiKey.prefix, client_secret: secret })).json).toEqual({ error: 'invalid_request' });
      expect((await exchangeKey(secret, { grant_type: 'password' })).json).toEqual({ error: 'unsupported_grant_type' });
      const both = await exchangeKey(secret, {});
      expect(both.status).toBe(200);
      const twice = await exchange(
        { grant_type: 'client_credentials', client_secret: secret },
        { authorization: `Basic ${Buffer.from(`${apiKey.prefix}:${secret}`).toString('base64')}` },
      );
      expect(twice).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
      const none = await exchange({ grant_type: 'client_credentials' });
      expect(none).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
      const otherPrefix = await exchange({ grant_type: 'client_credentials', client_id: 'wdn_000000000000', client_secret: secret });
      expect(otherPrefix).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
      expect(await exchangeKey(secret, { scope: 'org:read members:remove' })).toMatchObject({ status: 400, json: { error: 'invalid_scope' } });
      const form = await fetch(`${t.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials' }),
      });
      expect(form.status).toBe(400);
      // Fastify's refusals answer in RFC 6749 §5.2's shape with no-store: another content type, a form past 8 KiB, bad JSON.
      for (const [type, body] of [
        ['application/xml', '<grant_type>client_credentials</grant_type>'],
        ['application/x-www-form-urlencoded', `grant_type=client_credentials&pad=${'a'.repeat(9000)}`],
        ['application/json', '{"grant_type":'],
      ] as const) {
        const refused = await fetch(`${t.url}/oauth/token`, { method: 'POST', headers: { 'content-type': type }, body });
        expect({ type, status: refused.status, cacheControl: refused.headers.get('cache-control'), json: await refused.json() }).toEqual({
          type,
          status: 400,
          cacheControl: 'no-store',
          json: { error: 'invalid_request' },
        });
      }
      // A personal key: sub is the owner; organization_id makes the token act there, within the owner's permissions.
      const inOrg = await exchangeKey(secret, { organization_id: org.id });
      const claims = decodeJwt(inOrg.json.access_token);
      expect(claims).toMatchObject({ sub: owner.userId, client_id: apiKey.prefix, org_id: org.id, scope: 'members:read org:read' });
      expect(await exchangeKey(secret, { organization_id: randomUUID() })).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
      expect(await exchangeKey(secret, { organization_id: 'not-a-uuid' })).toMatchObject({ status: 400, json: { error: 'invalid_request' } });
    });

    it('a key with a bad checksum is refused without a database read; a wrong secret with a real prefix is invalid_client', async () => {
      const { owner, org } = await team();
      const { secret } = await createKey(owner, { organizationId: org.id, name: 'ci', scopes: ['org:read'] });
      const badChecksum = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
      const refused = await statementsDuring(() => exchangeKey(badChecksum));
      expect(refused.result).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
      expect(refused.statements.filter((s) => /api_keys/.test(s))).toEqual([]);
      // The same prefix, another secret with a valid checksum: one read by prefix, then a failed compare.
      const body = `${secret.slice(0, 17)}${'Z'.repeat(43)}`;
      const forged = `${body}_${checksum(body)}`;
      const looked = await statementsDuring(() => exchangeKey(forged));
      expect(looked.result).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
      expect(looked.statements.filter((s) => /api_keys/.test(s))).toHaveLength(1);
      expect(looked.result.text).not.toContain(forged);
      const asBearer = await asKey(badChecksum, '{ permissions { name } }');
      expect(errorOf(asBearer)?.extensions.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(asBearer.json)).not.toContain(badChecksum);
    });
  });

  describe('scopes at every use', () => {
    it('a creator whose role is lowered: the key’s effective scopes shrink at once; removed from the organization: the key answers as unknown', async () => {
      const { owner, admin, org } = await team();
      const { secret } = await createKey(admin, { organizationId: org.id, name: 'ci', scopes: ['members:read', 'org:update'] });
      expect((await exchangeKey(secret)).json.scope).toBe('members:read org:update');
      const token = (await exchangeKey(secret)).json.access_token as string;
      await owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: admin.userId, role: 'member' } });
      expect((await exchangeKey(secret)).json.scope).toBe('members:read');
      for (const bearer of [secret, token]) {
        const res = await asKey(bearer, 'query ($id: ID!) { organization(id: $id) { viewerPermissions } }', { id: org.id });
        expect(res.json.data.organization.viewerPermissions).toEqual(['members:read']);
      }
      await owner.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: admin.userId } });
      expect(await exchangeKey(secret)).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
      for (const bearer of [secret, token]) expect(errorOf(await asKey(bearer, '{ permissions { name } }'))?.extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('keys as bearers on /graphql', () => {
    it('a key as a bearer: open fields answer; createApiKey, logoutAll and viewer.sessions are FORBIDDEN API_KEY', async () => {
      const { owner, org } = await team();
      const other = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Other' } })).createOrganization;
      const personal = (await createKey(owner, { name: 'mine', scopes: ['org:read'] })).secret;
      const orgKey = (await createKey(owner, { organizationId: org.id, name: 'ci', scopes: ['org:read'] })).secret;
      // A personal key acts as its owner.
      const viewer = await asKey(personal, '{ viewer { id email organizations { id } } permissions { name } }');
      expect(viewer.json.data.viewer).toMatchObject({ id: owner.userId, email: owner.email });
      expect(viewer.json.data.viewer.organizations.map((o: { id: string }) => o.id).sort()).toEqual([org.id, other.id].sort());
      // An organization's key: no viewer; its organization only.
      const asOrg = await asKey(
        orgKey,
        'query ($a: ID!, $b: ID!) { viewer { id } a: organization(id: $a) { id viewerPermissions } b: organization(id: $b) { id } }',
        {
          a: org.id,
          b: other.id,
        },
      );
      expect(asOrg.json.data).toEqual({ viewer: null, a: { id: org.id, viewerPermissions: ['org:read'] }, b: null });
      const refused = [
        '{ viewer { id sessions { id } } }',
        'mutation { logoutAll }',
        `mutation { createApiKey(input: { name: "x", scopes: [] }) { secret } }`,
        'mutation { createOrganization(input: { name: "x" }) { id } }',
        '{ __schema { queryType { name } } }',
      ];
      for (const bearer of [personal, orgKey]) {
        for (const query of refused) {
          const res = await asKey(bearer, query);
          expect({ query, error: errorOf(res)?.extensions }).toMatchObject({ query, error: { code: 'FORBIDDEN', reason: 'API_KEY' } });
          expect(res.json.data ?? null).toBeNull();
        }
      }
      // A mutation open to keys needs the permission among the key's scopes.
      const rename = `mutation { updateOrganization(input: { organizationId: "${org.id}", name: "Renamed" }) { name } }`;
      expect(errorOf(await asKey(personal, rename))?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY' });
      const writer = await createKey(owner, { name: 'writer', scopes: ['org:update'] });
      const renamed = await asKey(writer.secret, rename);
      expect(renamed.json.data).toEqual({ updateOrganization: { name: 'Renamed' } });
      const [row] = await sql(`SELECT data FROM ${t.table('audit_events')} WHERE event = 'organization.updated' AND data->>'organizationId' = $1`, [org.id]);
      expect(row.data.apiKeyId).toBe(writer.apiKey.id);
    });

    it('allowedOperations: the listed document runs; an aliased copy, another document and an APQ hash not listed are OPERATION_NOT_ALLOWED and nothing runs', async () => {
      const { owner, org } = await team();
      const allowed = 'query Mine { viewer { id email } }';
      const { secret } = await createKey(owner, { name: 'ci', scopes: ['org:update'], allowedOperations: [sha256(allowed)] });
      expect((await asKey(secret, allowed)).json.data.viewer.id).toBe(owner.userId);
      const rename = `mutation { updateOrganization(input: { organizationId: "${org.id}", name: "Hijacked" }) { name } }`;
      for (const query of ['query Mine { viewer { id mail: email } }', 'query Mine { viewer { id email } } ', rename]) {
        const res = await asKey(secret, query);
        expect({ query, error: errorOf(res)?.extensions }).toMatchObject({ query, error: { code: 'FORBIDDEN', reason: 'OPERATION_NOT_ALLOWED' } });
      }
      const [orgRow] = await sql(`SELECT name FROM ${t.table('organizations')} WHERE id = $1`, [org.id]);
      expect(orgRow.name).toBe('Keys Inc');
      // APQ: the listed hash registers and runs, then runs by hash alone; an unlisted hash is refused.
      const apq = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });
      expect((await asKey(secret, allowed, {}, apq(sha256(allowed)))).json.data.viewer.id).toBe(owner.userId);
      const byHash = await rawPost(t.url, JSON.stringify({ extensions: apq(sha256(allowed)) }), { authorization: `Bearer ${secret}` });
      expect(byHash.json.data.viewer.id).toBe(owner.userId);
      const other = '{ permissions { name } }';
      expect(errorOf(await asKey(secret, other, {}, apq(sha256(other))))?.extensions.reason).toBe('OPERATION_NOT_ALLOWED');
      // The allowed hash with another document is refused (Apollo checks the hash; nothing runs).
      const mismatch = await asKey(secret, rename, {}, apq(sha256(allowed)));
      expect(mismatch.json.data ?? null).toBeNull();
      expect((await sql(`SELECT name FROM ${t.table('organizations')} WHERE id = $1`, [org.id]))[0].name).toBe('Keys Inc');
      // A key with an allowlist is not exchanged (its tokens would escape it).
      expect(await exchangeKey(secret)).toMatchObject({ status: 400, json: { error: 'unauthorized_client' } });
    });
  });

  describe('revocation, rotation, expiry, listing', () => {
    it('revokeApiKey: the key and its exchanged tokens are refused at once; revoked keys are not listed, expired ones are', async () => {
      const { owner, admin, org } = await team();
      const { secret, apiKey } = await createKey(admin, { organizationId: org.id, name: 'ci', scopes: ['org:read'] });
      const expiring = await createKey(owner, {
        organizationId: org.id,
        name: 'soon',
        scopes: ['org:read'],
        expiresAt: new Date(clock.now().getTime() + 60_000).toISOString(),
      });
      const token = (await exchangeKey(secret)).json.access_token as string;
      expect((await asKey(token, '{ permissions { name } }')).json.data.permissions.length).toBeGreaterThan(0);
      await owner.client.request(RevokeApiKeyDocument, { id: apiKey.id });
      expect(await exchangeKey(secret)).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
      for (const bearer of [secret, token]) expect(errorOf(await asKey(bearer, '{ permissions { name } }'))?.extensions.code).toBe('UNAUTHENTICATED');
      // A second revoke, or a key id of elsewhere, is NOT_A_MEMBER (unknown alike).
      expect(await owner.client.error(owner.client.request(RevokeApiKeyDocument, { id: apiKey.id }))).toMatchObject({ extensions: { reason: 'NOT_A_MEMBER' } });
      clock.advance(61);
      try {
        expect(await exchangeKey(expiring.secret)).toMatchObject({ status: 401, json: { error: 'invalid_client' } });
        const listed = (await owner.client.query(OrganizationApiKeysDocument, { id: org.id })).organization!.apiKeys.map((k) => k.id);
        expect(listed).toEqual([expiring.apiKey.id]);
      } finally {
        clock.advance(-61);
      }
      const audit = await sql(`SELECT event, user_id, data FROM ${t.table('audit_events')} WHERE data->>'apiKeyId' = $1 ORDER BY created_at`, [apiKey.id]);
      expect(audit.map((r) => r.event)).toEqual(['api_key.created', 'api_key.revoked']);
      expect(audit[1]).toMatchObject({ user_id: owner.userId, data: { prefix: apiKey.prefix, organizationId: org.id } });
      // The outbox: api_key.created and api_key.revoked on the organization's aggregate, in the changes' transactions.
      const events = await sql(
        `SELECT type, aggregate_type, aggregate_id, organization_id, data FROM ${t.table('events')} WHERE data->>'apiKeyId' = $1 ORDER BY occurred_at`,
        [apiKey.id],
      );
      expect(events.map((e) => e.type)).toEqual(['api_key.created', 'api_key.revoked']);
      expect(events[1]).toMatchObject({
        aggregate_type: 'organization',
        aggregate_id: org.id,
        organization_id: org.id,
        data: { apiKeyId: apiKey.id, prefix: apiKey.prefix, organizationId: org.id, createdByUserId: admin.userId, scopes: ['org:read'], rotatedFromId: null },
      });
    });

    it('rotateApiKey: a new key with the same settings; the old one works for overlapSeconds, then not', async () => {
      const { owner, org } = await team();
      const old = await createKey(owner, { organizationId: org.id, name: 'ci', scopes: ['members:read'], rateLimitPerMinute: 100 });
      const { rotateApiKey } = await owner.client.request(RotateApiKeyDocument, { id: old.apiKey.id, overlapSeconds: 30 });
      secrets.add(rotateApiKey.secret);
      expect(rotateApiKey.apiKey).toMatchObject({ name: 'ci', scopes: ['members:read'], rateLimitPerMinute: 100, organizationId: org.id });
      expect(rotateApiKey.apiKey.prefix).not.toBe(old.apiKey.prefix);
      expect((await exchangeKey(old.secret)).status).toBe(200);
      expect((await exchangeKey(rotateApiKey.secret)).status).toBe(200);
      clock.advance(31);
      try {
        expect((await exchangeKey(old.secret)).status).toBe(401);
        expect((await exchangeKey(rotateApiKey.secret)).status).toBe(200);
      } finally {
        clock.advance(-31);
      }
      const e = await owner.client.error(owner.client.request(RotateApiKeyDocument, { id: rotateApiKey.apiKey.id, overlapSeconds: 604801 }));
      expect(e).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'overlapSeconds' } });
      const [row] = await sql(`SELECT data FROM ${t.table('audit_events')} WHERE event = 'api_key.rotated' AND data->>'apiKeyId' = $1`, [
        rotateApiKey.apiKey.id,
      ]);
      expect(row.data.rotatedFromId).toBe(old.apiKey.id);
    });

    it('the viewer lists personal keys; lastUsedAt is written after a use, at most once a minute', async () => {
      const owner = await person('owner');
      const { secret, apiKey } = await createKey(owner, { name: 'mine', scopes: [] });
      expect((await owner.client.query(ViewerApiKeysDocument)).viewer!.apiKeys).toEqual([expect.objectContaining({ id: apiKey.id, lastUsedAt: null })]);
      await asKey(secret, '{ viewer { id } }');
      const lastUsed = async () => (await sql(`SELECT last_used_at FROM ${t.table('api_keys')} WHERE id = $1`, [apiKey.id]))[0].last_used_at as Date | null;
      const deadline = Date.now() + 5000;
      while (!(await lastUsed()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      const first = await lastUsed();
      expect(first).not.toBeNull();
      clock.advance(5);
      try {
        await asKey(secret, '{ viewer { id } }');
        await new Promise((r) => setTimeout(r, 200));
        expect((await lastUsed())!.getTime()).toBe(first!.getTime());
      } finally {
        clock.advance(-5);
      }
      // The key as a bearer sees viewer fields, not others' keys.
      const res = await asKey(secret, '{ viewer { apiKeys { id } } }');
      expect(errorOf(res)?.extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'API_KEY' });
      const viaKey = await asKey(secret, (await import('graphql')).print(KeyViewerDocument));
      expect(viaKey.json.data.viewer.id).toBe(owner.userId);
    });
  });

  describe('limits', () => {
    it('a key’s requests and exchanges share rateLimitPerMinute: 429 with Retry-After, then RATE_LIMITED', async () => {
      const { owner, org } = await team();
      const { secret } = await createKey(owner, { organizationId: org.id, name: 'ci', scopes: ['org:read'], rateLimitPerMinute: 3 });
      expect((await exchangeKey(secret)).status).toBe(200);
      expect((await asKey(secret, '{ permissions { name } }')).json.data).toBeTruthy();
      expect((await exchangeKey(secret)).status).toBe(200);
      const limited = await exchangeKey(secret);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      const res = await asKey(secret, '{ permissions { name } }');
      expect(errorOf(res)?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
      // Another key of the same organization is not affected.
      const other = await createKey(owner, { organizationId: org.id, name: 'other', scopes: ['org:read'] });
      expect((await exchangeKey(other.secret)).status).toBe(200);
      const viaOrg = await asKey(other.secret, (await import('graphql')).print(KeyOrganizationDocument), { id: org.id });
      expect(viaOrg.json.data.organization).toMatchObject({ id: org.id, viewerRole: null, viewerPermissions: ['org:read'] });
    });
  });

  it('the secret is shown once and stored only as an HMAC; no log line or error carries it', async () => {
    const { owner, org } = await team();
    const { secret, apiKey } = await createKey(owner, { organizationId: org.id, name: 'ci', scopes: ['org:read'] });
    await exchangeKey(secret);
    await asKey(secret, '{ viewer { id sessions { id } } }');
    const [row] = await sql(`SELECT row_to_json(k)::text AS json FROM ${t.table('api_keys')} k WHERE id = $1`, [apiKey.id]);
    expect(row.json).toContain(apiKey.prefix);
    expect(row.json).not.toContain(secret.split('_')[2]);
    const listed = JSON.stringify(await owner.client.query(OrganizationApiKeysDocument, { id: org.id }));
    expect(listed).toContain(apiKey.prefix);
    expect(listed).not.toContain(secret.split('_')[2]);
    const log = lines.join('');
    expect(log).toMatch(/oauth\/token/);
    expect(secrets.size).toBeGreaterThan(10);
    for (const s of secrets) expect({ s, found: log.includes(s) }).toEqual({ s, found: false });
  });
});
