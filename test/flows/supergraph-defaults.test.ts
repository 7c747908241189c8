import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { WardenClient } from '../support/graphql-client';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { startSupergraph } from '../../examples/supergraph/supergraph';

// examples/supergraph/README.md as written: Warden started by `npm start` on its defaults (port 4000, no PUBLIC_URL)
// with FEDERATION_ENABLED, an ES256 key and the exported FEDERATION_ROUTER_SECRET; then `npm run supergraph` with
// no other variable (orders on 4002, the gateway on 4100). Fixed ports, as documented: they must be free.
const ROUTER_SECRET = randomBytes(24).toString('hex');
const es256Key = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

async function post(url: string, query: string, token?: string) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

describe('the example supergraph on its documented defaults', () => {
  let t: TestApp;
  let supergraph: Awaited<ReturnType<typeof startSupergraph>>;

  beforeAll(async () => {
    // startTestApp's own PUBLIC_URL is taken away: Warden's default issuer is what the example has to match.
    t = await startTestApp({
      env: { PORT: '4000', PUBLIC_URL: '', FEDERATION_ENABLED: 'true', FEDERATION_ROUTER_SECRET: ROUTER_SECRET, JWT_PRIVATE_KEY: es256Key() },
    });
    supergraph = await startSupergraph({ FEDERATION_ROUTER_SECRET: ROUTER_SECRET });
  });

  afterAll(async () => {
    await supergraph?.stop();
    await t?.close();
  });

  test('sign-up through the gateway, then placeOrder and viewer { email orders { id } }', async () => {
    expect(t.app.config.publicUrl).toBe('http://localhost:4000');
    expect(supergraph.gateway.url).toBe('http://127.0.0.1:4100/graphql');
    const email = uniqueEmail('supergraph');
    const auth = await signUpAndVerify(t, new WardenClient('http://127.0.0.1:4100'), email);

    const placed = await post(supergraph.gateway.url, 'mutation { placeOrder(total: 42) { id } }', auth.accessToken);
    expect(placed.errors).toBeUndefined();
    const viewer = await post(supergraph.gateway.url, '{ viewer { email orders { id } } }', auth.accessToken);
    expect(viewer).toEqual({ data: { viewer: { email, orders: [{ id: placed.data.placeOrder.id }] } } });
  });

  test('the gateway enforces @requiresScopes from the token’s scope (the active organization’s permissions) before any subgraph runs', async () => {
    const client = new WardenClient('http://127.0.0.1:4100');
    const auth = await signUpAndVerify(t, client, uniqueEmail('scopes'));
    const created = await post(supergraph.gateway.url, 'mutation { createOrganization(input: { name: "Scoped" }) { id } }', auth.accessToken);
    expect(created.errors).toBeUndefined();
    const id = created.data.createOrganization.id;
    const query = '{ viewer { organizations { id memberCount } } }';
    // No active organization: no scope claim, so memberCount (org:read) is cut by the gateway (the rest is answered).
    const refused = await post(supergraph.gateway.url, query, auth.accessToken);
    expect(refused.data).toEqual({ viewer: { organizations: [{ id, memberCount: null }] } });
    expect(refused.errors?.map((e) => e.extensions?.code)).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);

    const switched = await post(supergraph.gateway.url, `mutation { setActiveOrganization(organizationId: "${id}") { accessToken } }`, auth.accessToken);
    expect(switched.errors).toBeUndefined();
    const allowed = await post(supergraph.gateway.url, query, switched.data.setActiveOrganization.accessToken);
    expect(allowed).toEqual({ data: { viewer: { organizations: [{ id, memberCount: 1 }] } } });
  });
});
