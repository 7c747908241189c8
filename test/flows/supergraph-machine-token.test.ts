import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { CreateApiKeyDocument, CreateOrganizationDocument, RevokeApiKeyDocument } from '../graphql/generated/graphql';
import { composeSupergraph, startGateway } from '../../examples/supergraph/gateway';
import { startOrdersSubgraph } from '../../examples/supergraph/orders-subgraph';

// examples/supergraph with a machine: an organization's API key (scope orders:read, an ORG_EXTRA_PERMISSIONS entry)
// is exchanged at Warden's POST /oauth/token, and the short-lived token calls the orders subgraph through the gateway.
// The subgraph verifies it with Warden's JWKS and never sees the key (docs/api-keys.md "Exchange, don't forward").

const ROUTER_SECRET = randomBytes(24).toString('base64url');
const es256Key = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

async function post(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

describe('examples/supergraph: a machine token calls a subgraph', () => {
  let t: TestApp;
  let orders: Awaited<ReturnType<typeof startOrdersSubgraph>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  const seenByOrders: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      env: { FEDERATION_ENABLED: 'true', FEDERATION_ROUTER_SECRET: ROUTER_SECRET, JWT_PRIVATE_KEY: es256Key(), ORG_EXTRA_PERMISSIONS: 'orders:read' },
    });
    const warden = `${t.url}/graphql`;
    const jwksUrl = `${t.url}/.well-known/jwks.json`;
    const { publicUrl: issuer, accessTokenAudience: audience } = t.app.config;
    const sdl = (await post(warden, '{ _service { sdl } }', { 'x-router-secret': ROUTER_SECRET })).data._service.sdl;
    orders = await startOrdersSubgraph({ jwksUrl, issuer, audience, port: 0, onRequest: (headers) => seenByOrders.push(String(headers.authorization ?? '')) });
    const supergraph = composeSupergraph([
      { name: 'warden', url: warden, sdl },
      { name: 'orders', url: orders.url, sdl: orders.sdl },
    ]);
    gateway = await startGateway({ supergraph, jwksUrl, issuer, audience, routerSecret: ROUTER_SECRET, port: 0, logging: 'error' });
  });
  afterAll(async () => {
    await gateway?.stop();
    await orders?.stop();
    await t?.close();
  });

  const exchange = async (secret: string, scope?: string) => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_secret: secret, ...(scope ? { scope } : {}) });
    const response = await fetch(`${t.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    return (await response.json()) as { access_token: string; scope: string };
  };

  test('an organization key with orders:read, exchanged, reads orderStats through the gateway; without the scope it is FORBIDDEN', async () => {
    const client = t.client();
    const auth = await signUpAndVerify(t, client, uniqueEmail('machine'));
    await post(gateway.url, 'mutation { placeOrder(total: 42) { id } }', { authorization: `Bearer ${auth.accessToken}` });
    const org = (await client.request(CreateOrganizationDocument, { input: { name: 'Shop' } })).createOrganization;
    const { createApiKey } = await client.request(CreateApiKeyDocument, {
      input: { organizationId: org.id, name: 'reports', scopes: ['orders:read', 'org:read'] },
    });

    const machine = await exchange(createApiKey.secret);
    expect(machine.scope).toBe('orders:read org:read');
    seenByOrders.length = 0;
    const stats = await post(gateway.url, '{ orderStats { count total } }', { authorization: `Bearer ${machine.access_token}` });
    expect(stats.errors).toBeUndefined();
    expect(stats.data.orderStats.count).toBeGreaterThanOrEqual(1);
    expect(stats.data.orderStats.total).toBeGreaterThanOrEqual(42);
    // The subgraph saw the short-lived token, never the key.
    expect(seenByOrders).toEqual([`Bearer ${machine.access_token}`]);
    expect(seenByOrders.join()).not.toContain(createApiKey.secret);

    // A token narrowed to org:read, and a person's token (no orders:read in its scope), are refused by the subgraph.
    const narrow = await exchange(createApiKey.secret, 'org:read');
    expect((await post(gateway.url, '{ orderStats { count } }', { authorization: `Bearer ${narrow.access_token}` })).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );
    expect((await post(gateway.url, '{ orderStats { count } }', { authorization: `Bearer ${auth.accessToken}` })).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );

    // Revoked: Warden refuses the token at once; the subgraph, checking only the signature, accepts it until exp.
    await client.request(RevokeApiKeyDocument, { id: createApiKey.apiKey.id });
    const onWarden = await post(`${t.url}/graphql`, '{ permissions { name } }', { authorization: `Bearer ${machine.access_token}` });
    expect(onWarden.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await post(gateway.url, '{ orderStats { count } }', { authorization: `Bearer ${machine.access_token}` })).data?.orderStats).toBeTruthy();
  });
});
