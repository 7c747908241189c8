import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { WardenClient } from '../support/graphql-client';
import { signUpAndVerify, uniqueEmail, TestClock } from '../support/flows';
import { LogoutDocument, RefreshSessionDocument } from '../graphql/generated/graphql';
import { UsersService } from '../../src/modules/users/users.service';
import { composeSupergraph, startGateway } from '../../examples/supergraph/gateway';
import { startOrdersSubgraph } from '../../examples/supergraph/orders-subgraph';

// Warden (FEDERATION_ENABLED, an ES256 key, FEDERATION_ROUTER_SECRET), the example's orders subgraph and the
// example's Hive Gateway, all in this process on loopback. The orders subgraph checks expiry against `clock`,
// so a test can move its time past the access token's exp (docs/federation.md: revocation downstream).

const ROUTER_SECRET = randomBytes(24).toString('base64url');
const es256Key = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

type Gql = { status: number; data: any; errors: { message: string; extensions?: { code?: string } }[] | undefined; extensions?: object };

async function post(url: string, query: string, variables: object = {}, headers: Record<string, string> = {}): Promise<Gql> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const json = (await response.json()) as { data?: unknown; errors?: Gql['errors']; extensions?: object };
  return { status: response.status, data: json.data, errors: json.errors, extensions: json.extensions };
}

const codes = (r: Gql) => (r.errors ?? []).map((e) => e.extensions?.code);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on User { id email phone name } ... on Organization { id orgName: name } }
}`;
const userRef = (id: string) => ({ __typename: 'User', id });

describe('Warden in an Apollo Federation 2 supergraph (examples/supergraph)', () => {
  let t: TestApp;
  let orders: Awaited<ReturnType<typeof startOrdersSubgraph>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let wardenSdl: string;
  const clock = new TestClock();
  const seenByOrders: IncomingHttpHeaders[] = [];
  let warden: string;
  let gatewayBase: string;

  beforeAll(async () => {
    t = await startTestApp({ env: { FEDERATION_ENABLED: 'true', FEDERATION_ROUTER_SECRET: ROUTER_SECRET, JWT_PRIVATE_KEY: es256Key() } });
    warden = `${t.url}/graphql`;
    const jwksUrl = `${t.url}/.well-known/jwks.json`;
    const { publicUrl: issuer, accessTokenAudience: audience } = t.app.config;
    const service = await post(warden, '{ _service { sdl } }', {}, { 'x-router-secret': ROUTER_SECRET });
    wardenSdl = service.data._service.sdl;
    orders = await startOrdersSubgraph({ jwksUrl, issuer, audience, port: 0, now: clock.now, onRequest: (headers) => seenByOrders.push(headers) });
    const supergraph = composeSupergraph([
      { name: 'warden', url: warden, sdl: wardenSdl },
      { name: 'orders', url: orders.url, sdl: orders.sdl },
    ]);
    gateway = await startGateway({ supergraph, jwksUrl, issuer, audience, routerSecret: ROUTER_SECRET, port: 0, logging: 'error' });
    gatewayBase = gateway.url.replace(/\/graphql$/, '');
  });

  afterAll(async () => {
    await gateway?.stop();
    await orders?.stop();
    await t?.close();
  });

  /** Signs up through the gateway (signup → code from the inbox → verifyOtp) and places one order. */
  async function customer(total: number) {
    const email = uniqueEmail('fed');
    const client = new WardenClient(gatewayBase);
    const auth = await signUpAndVerify(t, client, email);
    const placed = await post(gateway.url, 'mutation ($total: Int!) { placeOrder(total: $total) { id total } }', { total }, bearer(auth.accessToken));
    expect(placed.errors).toBeUndefined();
    return { email, token: auth.accessToken, userId: auth.user.id, orderId: placed.data.placeOrder.id as string, client };
  }

  test('the subgraph SDL is Federation 2, and composition errors fail', () => {
    expect(wardenSdl).toMatch(/extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.5"/);
    expect(wardenSdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(wardenSdl).toMatch(/type Organization\s+@key\(fields: "id"\)/);
    const conflicting = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
      type User @key(fields: "id") { id: ID! email: Int }`;
    expect(() =>
      composeSupergraph([
        { name: 'warden', url: warden, sdl: wardenSdl },
        { name: 'conflicting', url: 'http://127.0.0.1:9/graphql', sdl: conflicting },
      ]),
    ).toThrow(/composition failed[\s\S]*User\.email/);
  });

  test('sign in through the gateway; viewer { email orders { id } } spans both subgraphs with the token forwarded', async () => {
    const ada = await customer(42);
    expect(decodeProtectedHeader(ada.token).alg).toBe('ES256');
    const claims = decodeJwt(ada.token);
    expect(claims).toMatchObject({ iss: t.app.config.publicUrl, aud: t.app.config.accessTokenAudience, sub: ada.userId });
    const answer = await post(gateway.url, '{ viewer { id email orders { id total } } }', {}, bearer(ada.token));
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toEqual({ viewer: { id: ada.userId, email: ada.email, orders: [{ id: ada.orderId, total: 42 }] } });
    // Without a token: no viewer, and the orders subgraph is never asked.
    expect((await post(gateway.url, '{ viewer { email orders { id } } }')).data).toEqual({ viewer: null });
    // A token the gateway's JWT plugin cannot verify never reaches a subgraph.
    const forged = await post(gateway.url, '{ viewer { email } }', {}, bearer(ada.token.slice(0, -4) + 'AAAA'));
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.data?.viewer ?? null).toBeNull();
  });

  test("browser clients: Warden's refresh cookie passes through the gateway, and only to Warden", async () => {
    const dana = await customer(3);
    expect(dana.client.cookies.get('warden_refresh')).toBeTruthy();
    const { refreshSession } = await dana.client.request(RefreshSessionDocument, {});
    expect(refreshSession.user.id).toBe(dana.userId);
    expect(refreshSession.accessToken).not.toBe(dana.token);
    // The orders subgraph never receives the cookie.
    seenByOrders.length = 0;
    const cookie = `warden_refresh=${dana.client.cookies.get('warden_refresh')}`;
    const both = await post(gateway.url, '{ viewer { email orders { id } } }', {}, { ...bearer(refreshSession.accessToken), cookie });
    expect(both.data.viewer.orders).toEqual([{ id: dana.orderId }]);
    const seen = seenByOrders.map((headers) => headers.cookie);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((c) => c === undefined)).toBe(true);
    expect(seenByOrders.every((headers) => headers['x-router-secret'] === ROUTER_SECRET)).toBe(true);
  });

  test("another user's orders and email stay out of reach", async () => {
    const ada = await customer(10);
    const bob = await customer(20);
    const bobsView = await post(gateway.url, '{ viewer { email orders { id } } }', {}, bearer(bob.token));
    expect(bobsView.data).toEqual({ viewer: { email: bob.email, orders: [{ id: bob.orderId }] } });

    // What a caller holding the router secret and Bob's token could ask Warden about Ada: no email, no phone.
    const asBob = await post(warden, ENTITIES, { representations: [userRef(ada.userId)] }, { ...bearer(bob.token), 'x-router-secret': ROUTER_SECRET });
    expect(asBob.errors).toBeUndefined();
    expect(asBob.data._entities).toEqual([{ id: ada.userId, email: null, phone: null, name: null }]);
    // Non-null viewer-only fields answer FORBIDDEN on that field rather than a plausible empty value.
    const sessions = await post(
      warden,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { sessions { id } } } }`,
      { r: [userRef(ada.userId)] },
      {
        ...bearer(bob.token),
        'x-router-secret': ROUTER_SECRET,
      },
    );
    expect(codes(sessions)).toEqual(['FORBIDDEN']);
    // The same entity for its owner shows the email (the null above is the rule, not a missing value).
    const asAda = await post(warden, ENTITIES, { representations: [userRef(ada.userId)] }, { ...bearer(ada.token), 'x-router-secret': ROUTER_SECRET });
    expect(asAda.data._entities).toEqual([{ id: ada.userId, email: ada.email, phone: null, name: null }]);
    // And without any token: no email either.
    const anonymous = await post(warden, ENTITIES, { representations: [userRef(ada.userId)] }, { 'x-router-secret': ROUTER_SECRET });
    expect(anonymous.data._entities[0].email).toBeNull();

    // The orders subgraph refuses Ada's orders to Bob's token.
    const adaOrders = await post(
      orders.url,
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { id } } } }`,
      { r: [userRef(ada.userId)] },
      bearer(bob.token),
    );
    expect(codes(adaOrders)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(adaOrders.data)).not.toContain(ada.orderId);
  });

  test('_entities and _service without the router header are refused', async () => {
    const ada = await customer(5);
    const refs = { representations: [userRef(ada.userId)] };
    for (const headers of [bearer(ada.token), { ...bearer(ada.token), 'x-router-secret': 'not-the-router-secret-at-all' }, {}]) {
      const refused = await post(warden, ENTITIES, refs, headers);
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.status).toBe(403);
      expect(refused.data ?? null).toBeNull();
    }
    expect(codes(await post(warden, '{ _service { sdl } }'))).toEqual(['FORBIDDEN']);
    // Hidden behind a fragment on the root: still refused.
    const viaFragment = await post(
      warden,
      `query ($representations: [_Any!]!) { ...F } fragment F on Query { _entities(representations: $representations) { __typename } }`,
      refs,
    );
    expect(codes(viaFragment)).toEqual(['FORBIDDEN']);
    // With the secret it answers, without Apollo's inline (ftv1) trace even when asked for one.
    const routed = await post(warden, ENTITIES, refs, { 'x-router-secret': ROUTER_SECRET, 'apollo-federation-include-trace': 'ftv1' });
    expect(routed.status).toBe(200);
    expect(routed.data._entities).toEqual([{ id: ada.userId, email: null, phone: null, name: null }]);
    expect(routed.extensions).toBeUndefined();
    // Everything else stays open to clients.
    expect((await post(warden, '{ viewer { email } }', {}, bearer(ada.token))).data).toEqual({ viewer: { email: ada.email } });
  });

  test('_entities loads many users with one query (per-request DataLoader), and odd ids are no entity', async () => {
    const [a, b, c] = [await customer(1), await customer(2), await customer(3)];
    const spy = jest.spyOn(UsersService.prototype, 'loadUsers');
    try {
      const answer = await post(
        warden,
        ENTITIES,
        { representations: [userRef(a.userId), userRef(b.userId), userRef(c.userId), userRef('not-a-uuid'), { __typename: 'User', id: 7 }] },
        { ...bearer(b.token), 'x-router-secret': ROUTER_SECRET },
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data._entities.map((e: { id: string; email: string | null } | null) => e && [e.id, e.email])).toEqual([
        [a.userId, null],
        [b.userId, b.email],
        [c.userId, null],
        null,
        null,
      ]);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(spy.mock.calls[0]![0]).toHaveLength(3);
    } finally {
      spy.mockRestore();
    }
  });

  test('the orders subgraph checks audience and issuer: a Warden token meant for another service is refused', async () => {
    const ada = await customer(7);
    const jwksUrl = `${t.url}/.well-known/jwks.json`;
    const { publicUrl: issuer, accessTokenAudience: audience } = t.app.config;
    for (const other of [
      { issuer, audience: 'https://billing.example.com' },
      { issuer: 'https://someone-else.example.com', audience },
    ]) {
      const strict = await startOrdersSubgraph({ jwksUrl, ...other, port: 0 });
      try {
        const refused = await post(strict.url, 'mutation { placeOrder(total: 1) { id } }', {}, bearer(ada.token));
        expect(codes(refused)).toEqual(['UNAUTHENTICATED']);
      } finally {
        await strict.stop();
      }
    }
    // The same token with the right issuer and audience is accepted (the refusals above are about the claims).
    expect((await post(orders.url, 'mutation { placeOrder(total: 1) { id } }', {}, bearer(ada.token))).errors).toBeUndefined();
  });

  test("a revoked session's token is refused by Warden at once, and by the orders subgraph at its expiry", async () => {
    const carol = await customer(99);
    carol.client.accessToken = carol.token;
    expect((await carol.client.request(LogoutDocument)).logout).toBe(true);

    const afterLogout = await post(gateway.url, '{ viewer { email orders { id } } }', {}, bearer(carol.token));
    expect(codes(afterLogout)).toContain('UNAUTHENTICATED');
    expect(afterLogout.data?.viewer ?? null).toBeNull();

    // The orders subgraph verifies tokens on its own (no call to Warden): until exp it still accepts this one…
    const ordersQuery = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { orders { id } } } }`;
    const before = await post(orders.url, ordersQuery, { r: [userRef(carol.userId)] }, bearer(carol.token));
    expect(before.data._entities).toEqual([{ orders: [{ id: carol.orderId }] }]);
    // …and refuses it once its clock passes the token's exp (ACCESS_TOKEN_TTL_SECONDS after issue).
    const exp = decodeJwt(carol.token).exp!;
    clock.advance(exp - Math.floor(Date.now() / 1000) + 1);
    try {
      const after = await post(orders.url, ordersQuery, { r: [userRef(carol.userId)] }, bearer(carol.token));
      expect(codes(after)).toEqual(['UNAUTHENTICATED']);
      expect(after.data ?? null).toBeNull();
    } finally {
      clock.offsetMs = 0;
    }
  });
});
