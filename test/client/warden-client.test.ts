import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Client as UrqlClient, fetchExchange } from '@urql/core';
import { createWardenAuth, type FetchLike, type WardenAuth, type WardenEvent } from '@warden/client';
import { createWardenLink } from '@warden/client/apollo';
import { wardenExchange } from '@warden/client/urql';
import { verifyWardenToken, WardenTokenError } from '@warden/client/server';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { CookieJar } from '../support/cookie-jar';
import { rawPost } from '../support/graphql-client';
import { codeFrom } from '../support/smtp-inbox';
import { codeAt } from '../support/totp-ref';
import { ConfirmTotpEnrollmentDocument, StartTotpEnrollmentDocument } from '../graphql/generated/graphql';

/**
 * @warden/client against the real gateway (PostgreSQL, Redis, SMTP as every flow test): the cookie travels in a
 * small cookie-jar fetch, as a browser would carry it. CLAIMS_CHANGED is not raised by the gateway today, so its
 * retry is checked against a local fake GraphQL endpoint.
 */

const LOGIN = gql`
  mutation ClientLogin($input: LoginInput!) {
    login(input: $input) {
      challengeId
    }
  }
`;
const VERIFY = gql`
  mutation ClientVerifyOtp($input: VerifyOtpInput!) {
    verifyOtp(input: $input) {
      accessToken
      accessTokenExpiresAt
      user {
        id
      }
    }
  }
`;
const REQUEST_OTP = gql`
  mutation ClientRequestOtp($input: RequestOtpInput!) {
    requestOtp(input: $input) {
      challengeId
    }
  }
`;
const viewerQuery = (name: string) => gql`
  query ${name} {
    viewer {
      id
      sessions {
        id
        current
      }
    }
  }
`;

interface Sent {
  body: string;
  authorization: string | null;
}

/** A browser-like fetch: keeps cookies in a jar, logs each request, and can hold refreshSession answers. */
class Browser {
  readonly jar = new CookieJar();
  readonly sent: Sent[] = [];
  /** While set, a refreshSession answer (already processed by the server, cookie stored) waits for this. */
  hold: Promise<void> | null = null;
  /** Called with each refreshSession answer body as it arrives from the server. */
  onRefreshAnswer: ((body: any) => void) | null = null;

  readonly fetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = new Headers(init.headers);
    const cookie = this.jar.header(url);
    if (cookie && init.credentials !== 'omit') headers.set('cookie', cookie);
    const body = typeof init.body === 'string' ? init.body : '';
    this.sent.push({ body, authorization: headers.get('authorization') });
    const res = await fetch(url, { ...init, headers });
    this.jar.store(url, res);
    if (!body.includes('refreshSession')) return res;
    const text = await res.text();
    this.onRefreshAnswer?.(JSON.parse(text));
    if (this.hold) await this.hold;
    return new Response(text, { status: res.status, headers: res.headers });
  };

  count(fragment: string): number {
    return this.sent.filter((s) => s.body.includes(fragment)).length;
  }
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

describe('@warden/client against the gateway', () => {
  let t: TestApp;
  let graphqlUrl: string;
  const clock = new TestClock();
  const auths: WardenAuth[] = [];

  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now } });
    graphqlUrl = `${t.url}/graphql`;
  });
  afterAll(async () => {
    for (const a of auths) a.dispose();
    await t?.close();
  });

  function setup() {
    const browser = new Browser();
    const auth = createWardenAuth({ url: graphqlUrl, fetch: browser.fetch as FetchLike });
    auths.push(auth);
    const events: WardenEvent[] = [];
    auth.subscribe((e) => events.push(e));
    const apollo = new ApolloClient({
      link: ApolloLink.from([createWardenLink(auth), new HttpLink({ uri: graphqlUrl, fetch: browser.fetch, credentials: 'include' })]),
      cache: new InMemoryCache(),
      defaultOptions: { query: { fetchPolicy: 'no-cache' }, mutate: { fetchPolicy: 'no-cache' } },
    });
    const urql = new UrqlClient({
      url: graphqlUrl,
      exchanges: [wardenExchange(auth), fetchExchange],
      fetch: browser.fetch,
      fetchOptions: { credentials: 'include' },
      preferGetMethod: false,
      requestPolicy: 'network-only',
    });
    return { browser, auth, events, apollo, urql };
  }

  /** An account made with the test client, then signed in through the Apollo link (which keeps the token). */
  async function signedIn(s: ReturnType<typeof setup>, email = uniqueEmail('client')) {
    if (!t.inbox.mailsTo(email).length) await signUpAndVerify(t, t.client(), email);
    const before = t.inbox.mailsTo(email).length;
    const { data } = await s.apollo.mutate({ mutation: LOGIN, variables: { input: { email, password: PASSWORD } } });
    const mail = await t.inbox.waitForMail(email, before + 1);
    const verified = await s.apollo.mutate({ mutation: VERIFY, variables: { input: { challengeId: (data as any).login.challengeId, code: codeFrom(mail) } } });
    const payload = (verified.data as any).verifyOtp;
    expect(s.auth.getAccessToken()).toBe(payload.accessToken);
    expect(s.browser.jar.names().some((n) => n.startsWith('warden_refresh@'))).toBe(true);
    return { email, userId: payload.user.id as string, token: payload.accessToken as string };
  }

  test('a sign-out while a refresh is in flight wins: the late (successful) refresh answer is dropped and the client ends signed out', async () => {
    const s = setup();
    const { token } = await signedIn(s);
    let release!: () => void;
    s.browser.hold = new Promise<void>((r) => (release = r));
    let late: any = null;
    const answered = new Promise<void>((r) => (s.browser.onRefreshAnswer = (body) => ((late = body), r())));

    const refreshing = s.auth.refresh();
    await answered; // the server has rotated the session; the browser has not read the answer yet
    expect(late.data.refreshSession.accessToken).toEqual(expect.any(String));
    expect(await s.auth.signOut()).toBe(true);
    release();

    expect(await refreshing).toBeNull();
    expect(s.auth.getAccessToken()).toBeNull();
    expect(s.events.map((e) => e.type)).toEqual(['SIGNED_IN', 'SIGNED_OUT']);
    expect(s.events[1]).toMatchObject({ type: 'SIGNED_OUT', reason: 'signOut' });
    // The session really ended: the cookie no longer refreshes and neither token is honoured.
    s.browser.hold = null;
    s.browser.onRefreshAnswer = null;
    expect(await s.auth.refresh()).toBeNull();
    for (const bearer of [token, late.data.refreshSession.accessToken]) {
      const { json } = await rawPost(t.url, JSON.stringify({ query: '{ viewer { id sessions { id } } }' }), { authorization: `Bearer ${bearer}` });
      expect(json.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  test('a sign-in while a refresh is in flight wins: the late answer does not replace the new session', async () => {
    const s = setup();
    await signedIn(s);
    let release!: () => void;
    s.browser.hold = new Promise<void>((r) => (release = r));
    const answered = new Promise<void>((r) => (s.browser.onRefreshAnswer = () => r()));
    const refreshing = s.auth.refresh();
    await answered;
    const other = await signedIn(s); // another account signs in on this browser meanwhile (its answer is not held)
    release();
    expect(await refreshing).toBe(other.token);
    expect(s.auth.getAccessToken()).toBe(other.token);
    expect(claimsOf(s.auth.getAccessToken()!).sub).toBe(other.userId);
  });

  test('after a reload (a new client, the token gone from memory) refresh() restores the session from the cookie alone', async () => {
    const s = setup();
    const { userId, token } = await signedIn(s);
    const reloaded = createWardenAuth({ url: graphqlUrl, fetch: s.browser.fetch as FetchLike });
    auths.push(reloaded);
    expect(reloaded.getAccessToken()).toBeNull();
    const restored = await reloaded.refresh();
    expect(restored).toEqual(expect.any(String));
    expect(restored).not.toBe(token);
    expect(claimsOf(restored!).sub).toBe(userId);
    const refreshRequest = s.browser.sent.at(-1)!;
    expect(refreshRequest.authorization).toBeNull();
    expect(refreshRequest.body).not.toContain(token);
  });

  test.each(['apollo', 'urql'] as const)('%s: concurrent UNAUTHENTICATED answers share one refresh, then each operation succeeds', async (kind) => {
    const s = setup();
    const { userId, token } = await signedIn(s);
    clock.advance(16 * 60); // past the access token's 15 minutes; the session (cookie) lives on
    const names = ['ViewerA', 'ViewerB', 'ViewerC'].map((n) => `${n}${kind}`);
    const run = (name: string) =>
      kind === 'apollo'
        ? s.apollo.query({ query: viewerQuery(name) }).then((r) => r.data as any)
        : s.urql
            .query(viewerQuery(name), {})
            .toPromise()
            .then((r) => r.data);
    const results = await Promise.all(names.map(run));
    for (const data of results) expect(data.viewer.id).toBe(userId);
    expect(s.browser.count('refreshSession')).toBe(1);
    // Each operation went out twice: with the expired token, then once with the refreshed one.
    for (const name of names) {
      const sent = s.browser.sent.filter((x) => x.body.includes(name));
      expect(sent.map((x) => x.authorization)).toEqual([`Bearer ${token}`, `Bearer ${s.auth.getAccessToken()}`]);
    }
    expect(s.auth.getAccessToken()).not.toBe(token);
  });

  test('MFA_REQUIRED is surfaced as an event with the challenge id, and the operation is not retried', async () => {
    const s = setup();
    const email = uniqueEmail('client-mfa');
    const enroller = t.client();
    await signUpAndVerify(t, enroller, email);
    const { startTotpEnrollment } = await enroller.request(StartTotpEnrollmentDocument);
    clock.advance(30);
    await enroller.request(ConfirmTotpEnrollmentDocument, {
      input: { factorId: startTotpEnrollment.factorId, code: codeAt(startTotpEnrollment.secret, clock.now()), name: 'Phone' },
    });

    const before = t.inbox.mailsTo(email).length;
    const { data } = await s.apollo.mutate({ mutation: REQUEST_OTP, variables: { input: { email } } });
    const code = codeFrom(await t.inbox.waitForMail(email, before + 1));
    const answer = await s.apollo
      .mutate({ mutation: VERIFY, variables: { input: { challengeId: (data as any).requestOtp.challengeId, code } }, errorPolicy: 'all' })
      .catch((e: unknown) => ({ error: e }));
    const mfa = s.events.find((e) => e.type === 'MFA_REQUIRED');
    expect(mfa).toMatchObject({ type: 'MFA_REQUIRED', operationName: 'ClientVerifyOtp', challengeId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(mfa!.type === 'MFA_REQUIRED' && mfa!.extensions.challengeId).toBe((mfa as any).challengeId);
    expect(JSON.stringify(answer)).toContain('MFA_REQUIRED');
    expect(s.browser.count('ClientVerifyOtp')).toBe(1);
    expect(s.browser.count('refreshSession')).toBe(0);
    expect(s.auth.getAccessToken()).toBeNull();
  });

  test('verifyWardenToken accepts a real Warden token and refuses a wrong audience, a wrong issuer and a missing scope', async () => {
    const s = setup();
    const { token, userId } = await signedIn(s);
    const options = { issuer: 'http://warden.test', audience: 'http://warden.test', jwksUrl: `${t.url}/.well-known/jwks.json`, currentDate: clock.now() };
    const verified = await verifyWardenToken(token, options);
    expect(verified).toMatchObject({ userId, sessionId: expect.any(String), scopes: [] });
    const refusal = (o: Partial<typeof options> & { requiredScopes?: string[] }) =>
      verifyWardenToken(token, { ...options, ...o }).then(
        () => null,
        (e: unknown) => e,
      );
    const wrongAudience = await refusal({ audience: 'http://orders.test' });
    expect(wrongAudience).toBeInstanceOf(WardenTokenError);
    expect(wrongAudience).toMatchObject({ code: 'WRONG_AUDIENCE' });
    expect(await refusal({ issuer: 'http://127.0.0.1:4000' })).toMatchObject({ code: 'WRONG_ISSUER' });
    expect(await refusal({ requiredScopes: ['orders:read'] })).toMatchObject({ code: 'INSUFFICIENT_SCOPE', missingScopes: ['orders:read'] });
    expect(await refusal({ currentDate: new Date(clock.now().getTime() + 3600_000) })).toMatchObject({ code: 'EXPIRED' });
    expect(String(await refusal({ audience: 'x' }))).not.toContain(token);
  });
});

/** A GraphQL endpoint that answers from a script, for the cases the gateway does not produce today. */
async function fakeEndpoint(answer: (body: any, req: IncomingMessage, n: number) => unknown) {
  const sockets = new Set<import('node:net').Socket>();
  const requests: { body: any; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', async () => {
      const body = raw ? JSON.parse(raw) : null;
      requests.push({ body, authorization: req.headers.authorization });
      const json = (await answer(body, req, requests.length)) as { httpStatus?: number } | null;
      const { httpStatus = 200, ...rest } = json ?? {};
      res.writeHead(httpStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json && typeof json === 'object' && !Array.isArray(json) ? rest : json));
    });
  });
  server.on('connection', (socket) => (sockets.add(socket), socket.on('close', () => sockets.delete(socket))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const close = () => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  };
  return { url, requests, close };
}

const claimsChanged = {
  errors: [{ message: 'Your permissions changed: refresh the token.', extensions: { code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' } }],
  data: null,
};
const refreshed = (n: number) => ({
  data: { refreshSession: { accessToken: `token-${n}`, accessTokenExpiresAt: new Date(Date.now() + 900_000).toISOString(), user: { id: 'u1' } } },
});

describe('@warden/client: CLAIMS_CHANGED (fake endpoint: the gateway does not raise it today)', () => {
  const ORDERS = gql`
    query Orders {
      orders
    }
  `;

  function clients(url: string) {
    const auth = createWardenAuth({ url, refreshEarlySeconds: 0 });
    auth.setSession({ accessToken: 'token-0' });
    const apollo = new ApolloClient({ link: ApolloLink.from([createWardenLink(auth), new HttpLink({ uri: url })]), cache: new InMemoryCache() });
    const urql = new UrqlClient({ url, exchanges: [wardenExchange(auth), fetchExchange], preferGetMethod: false, requestPolicy: 'network-only' });
    const run = (kind: 'apollo' | 'urql') =>
      kind === 'apollo'
        ? apollo.query({ query: ORDERS, fetchPolicy: 'no-cache', errorPolicy: 'all' }).then((r) => ({ data: r.data as any, error: r.error }))
        : urql
            .query(ORDERS, {})
            .toPromise()
            .then((r) => ({ data: r.data, error: r.error }));
    return { auth, run };
  }

  test.each(['apollo', 'urql'] as const)('%s: refreshes and sends the operation again, once, with the new token', async (kind) => {
    let refreshes = 0;
    const fake = await fakeEndpoint((body) => {
      if (body.query.includes('refreshSession')) return refreshed(++refreshes);
      return body.query.includes('orders') && refreshes === 0 ? claimsChanged : { data: { orders: 3 } };
    });
    try {
      const { auth, run } = clients(fake.url);
      const result = await run(kind);
      expect(result.data).toEqual({ orders: 3 });
      expect(fake.requests.map((r) => [r.body.operationName ?? 'refresh', r.authorization])).toEqual([
        ['Orders', 'Bearer token-0'],
        ['WardenRefreshSession', undefined],
        ['Orders', 'Bearer token-1'],
      ]);
      expect(auth.getAccessToken()).toBe('token-1');
    } finally {
      await fake.close();
    }
  });

  test.each(['apollo', 'urql'] as const)('%s: a second CLAIMS_CHANGED is returned to the caller, never looped', async (kind) => {
    let refreshes = 0;
    // Always CLAIMS_CHANGED (a looping client would stop at the sixth try, and fail the counts below).
    const fake = await fakeEndpoint((body, _req, n) =>
      body.query.includes('refreshSession') ? refreshed(++refreshes) : n > 10 ? { data: { orders: 0 } } : claimsChanged,
    );
    try {
      const { run } = clients(fake.url);
      const result = await run(kind);
      expect(JSON.stringify(result.error)).toContain('refresh the token');
      expect(fake.requests.filter((r) => r.body.operationName === 'Orders')).toHaveLength(2);
      expect(refreshes).toBe(1);
    } finally {
      await fake.close();
    }
  });

  test.each(['apollo', 'urql'] as const)('%s: an HTTP 401 (a service behind Warden) is refreshed and retried once too', async (kind) => {
    let refreshes = 0;
    const fake = await fakeEndpoint((body) => {
      if (body.query.includes('refreshSession')) return refreshed(++refreshes);
      if (refreshes === 0) return { httpStatus: 401, errors: [{ message: 'Sign in first.', extensions: { code: 'UNAUTHENTICATED' } }] };
      return { data: { orders: 5 } };
    });
    try {
      const { run } = clients(fake.url);
      expect((await run(kind)).data).toEqual({ orders: 5 });
      expect(fake.requests.map((r) => r.authorization)).toEqual(['Bearer token-0', undefined, 'Bearer token-1']);
    } finally {
      await fake.close();
    }
  });

  test('a refresh that fails after a sign-in overtook it does not sign the new session out', async () => {
    let answerRefresh!: () => void;
    const refreshAnswered = new Promise<void>((r) => (answerRefresh = r));
    const fake = await fakeEndpoint(async () => {
      await refreshAnswered;
      return { data: null, errors: [{ message: 'The refresh token is invalid.', extensions: { code: 'INVALID_TOKEN' } }] };
    });
    try {
      const auth = createWardenAuth({ url: fake.url, refreshEarlySeconds: 0 });
      const events: WardenEvent[] = [];
      auth.subscribe((e) => events.push(e));
      const refreshing = auth.refresh();
      while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
      auth.setSession({ accessToken: 'signed-in-meanwhile' });
      answerRefresh();
      expect(await refreshing).toBe('signed-in-meanwhile');
      expect(auth.getAccessToken()).toBe('signed-in-meanwhile');
      expect(events.map((e) => e.type)).toEqual(['SIGNED_IN']);
      // Not overtaken, the same refusal signs out.
      expect(await auth.refresh()).toBeNull();
      expect(auth.getAccessToken()).toBeNull();
      expect(events.at(-1)).toMatchObject({ type: 'SIGNED_OUT', reason: 'refreshFailed' });
    } finally {
      await fake.close();
    }
  });

  test('a refresh that fails for another reason (HTTP 503, a network error, RATE_LIMITED) keeps the session, hands the error to the operation and retries with backoff', async () => {
    let refreshes = 0;
    const fake = await fakeEndpoint((body, req) => {
      if (!body.query.includes('refreshSession')) return refreshes < 4 ? claimsChanged : { data: { orders: 7 } };
      refreshes += 1;
      if (refreshes === 1) return { httpStatus: 503, errors: [{ message: 'Try later', extensions: { code: 'SERVICE_UNAVAILABLE' } }], data: null };
      if (refreshes === 2) {
        req.socket.destroy(); // the fetch throws
        return new Promise(() => {});
      }
      if (refreshes === 3) return { errors: [{ message: 'Slow down', extensions: { code: 'RATE_LIMITED' } }], data: null };
      return refreshed(refreshes);
    });
    try {
      const auth = createWardenAuth({ url: fake.url, refreshEarlySeconds: 0, refreshRetryBaseMs: 20 });
      auth.setSession({ accessToken: 'token-0' });
      const events: WardenEvent[] = [];
      auth.subscribe((e) => events.push(e));
      const apollo = new ApolloClient({ link: ApolloLink.from([createWardenLink(auth), new HttpLink({ uri: fake.url })]), cache: new InMemoryCache() });
      // The operation that needed the refresh gets the error; the session stays.
      const first = await apollo.query({ query: ORDERS, fetchPolicy: 'no-cache', errorPolicy: 'all' }).then(
        (r) => r.error,
        (e: unknown) => e,
      );
      expect(first).toBeTruthy();
      expect(auth.getAccessToken()).toBe('token-0');
      // The retries (backoff) go on alone: the network error and RATE_LIMITED keep the session too, then it succeeds.
      const deadline = Date.now() + 5_000;
      while (auth.getAccessToken() !== 'token-4' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(auth.getAccessToken()).toBe('token-4');
      expect(refreshes).toBe(4);
      expect(events.map((e) => e.type)).toEqual(['SIGNED_IN']);
      expect(events[0]).toMatchObject({ source: 'refresh' });
      expect((await apollo.query({ query: ORDERS, fetchPolicy: 'no-cache' })).data).toEqual({ orders: 7 });
      auth.dispose();
    } finally {
      await fake.close();
    }
  });

  test('refresh() rejects on a transient failure and stays signed in; UNAUTHENTICATED (refused) signs out', async () => {
    const answers: unknown[] = [
      { httpStatus: 502, errors: [{ message: 'Bad gateway' }] },
      { data: null, errors: [{ message: 'Sign in first.', extensions: { code: 'UNAUTHENTICATED' } }] },
    ];
    const fake = await fakeEndpoint((_body, _req, n) => answers[n - 1]);
    try {
      const auth = createWardenAuth({ url: fake.url, refreshEarlySeconds: 0, refreshRetryBaseMs: 60_000 });
      auth.setSession({ accessToken: 'token-0' });
      const events: WardenEvent[] = [];
      auth.subscribe((e) => events.push(e));
      await expect(auth.refresh()).rejects.toMatchObject({ name: 'WardenRefreshError', status: 502 });
      expect(auth.getAccessToken()).toBe('token-0');
      expect(events).toEqual([]);
      expect(await auth.refresh()).toBeNull();
      expect(auth.getAccessToken()).toBeNull();
      expect(events).toEqual([{ type: 'SIGNED_OUT', reason: 'refreshFailed' }]);
      auth.dispose();
    } finally {
      await fake.close();
    }
  });

  test('REAUTHENTICATION_REQUIRED and CAPTCHA_REQUIRED become typed events with their extensions, without a retry', async () => {
    const answers = [
      { errors: [{ message: 'Sign in again', extensions: { code: 'REAUTHENTICATION_REQUIRED', maxAgeSeconds: 900 } }], data: null },
      {
        errors: [{ message: 'Solve it', extensions: { code: 'CAPTCHA_REQUIRED', provider: 'turnstile', reason: 'THRESHOLD', siteKey: 'site-key' } }],
        data: null,
      },
    ];
    const fake = await fakeEndpoint((_body, _req, n) => answers[n - 1]);
    try {
      const { auth, run } = clients(fake.url);
      const events: WardenEvent[] = [];
      auth.subscribe((e) => events.push(e));
      await run('apollo');
      await run('urql');
      expect(events).toEqual([
        expect.objectContaining({
          type: 'REAUTHENTICATION_REQUIRED',
          maxAgeSeconds: 900,
          operationName: 'Orders',
          extensions: answers[0]!.errors[0]!.extensions,
        }),
        expect.objectContaining({ type: 'CAPTCHA_REQUIRED', provider: 'turnstile', reason: 'THRESHOLD', siteKey: 'site-key', challenge: null }),
      ]);
      expect(fake.requests).toHaveLength(2);
    } finally {
      await fake.close();
    }
  });
});

describe('verifyWardenToken: the scope claim (an API-key token, signed by a local key)', () => {
  let jwks: Awaited<ReturnType<typeof fakeEndpoint>>;
  let sign: (claims: Record<string, unknown>, typ?: string) => Promise<string>;
  const issuer = 'http://warden.test';
  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'EdDSA', use: 'sig' };
    jwks = await fakeEndpoint(() => ({ keys: [jwk] }));
    sign = (claims, typ = 'at+jwt') =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ })
        .setIssuer(issuer)
        .setAudience(issuer)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
  });
  afterAll(() => jwks?.close());
  const options = (requiredScopes?: string[]) => ({ issuer, audience: issuer, jwksUrl: jwks.url, requiredScopes });

  test('every required scope must be in the space-separated scope claim', async () => {
    const token = await sign({ sub: 'wdn_client', client_id: 'abc', scope: 'orders:read orders:write', org_id: 'o1' });
    expect(await verifyWardenToken(token, options(['orders:read', 'orders:write']))).toMatchObject({
      userId: 'wdn_client',
      sessionId: null,
      scopes: ['orders:read', 'orders:write'],
    });
    await expect(verifyWardenToken(token, options(['orders:read', 'orders:delete']))).rejects.toMatchObject({
      code: 'INSUFFICIENT_SCOPE',
      missingScopes: ['orders:delete'],
    });
    // "orders" is not "orders:read": whole words of the claim only.
    const partial = await sign({ sub: 'wdn_client', scope: 'orders:read' });
    await expect(verifyWardenToken(partial, options(['orders']))).rejects.toMatchObject({ code: 'INSUFFICIENT_SCOPE' });
  });

  test('an issuer or audience missing or empty (a misconfigured service) throws, whatever the token', async () => {
    const token = await sign({ sub: 'u1' });
    for (const bad of [
      { issuer: '' },
      { issuer: undefined },
      { audience: '' },
      { audience: undefined },
      { audience: [] },
      { audience: [''] },
      { audience: [issuer, ' '] },
    ]) {
      await expect(verifyWardenToken(token, { ...options(), ...bad } as never)).rejects.toThrow(/issuer|audience/);
    }
  });

  test('only EdDSA and ES256 are accepted: an HS256 and an RS256 token with the same kid are refused', async () => {
    const hs = await new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!'));
    const rsa = await generateKeyPair('RS256');
    const rs = await new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setExpirationTime('5m')
      .sign(rsa.privateKey);
    for (const token of [hs, rs]) {
      await expect(verifyWardenToken(token, options())).rejects.toMatchObject({ name: 'WardenTokenError', code: 'INVALID_SIGNATURE' });
    }
  });

  test('a forged signature (another Ed25519 key, the same kid) is refused', async () => {
    const other = await generateKeyPair('EdDSA');
    const forged = await new SignJWT({ sub: 'u1' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(issuer)
      .setAudience(issuer)
      .setExpirationTime('5m')
      .sign(other.privateKey);
    await expect(verifyWardenToken(forged, options())).rejects.toMatchObject({ name: 'WardenTokenError', code: 'INVALID_SIGNATURE' });
  });

  test('a token that is not an access token (typ), or not a JWT, is refused', async () => {
    await expect(verifyWardenToken(await sign({ sub: 'u1' }, 'JWT'), options())).rejects.toMatchObject({ name: 'WardenTokenError', code: 'MISSING_CLAIM' });
    await expect(verifyWardenToken('not-a-token', options())).rejects.toMatchObject({ code: 'MALFORMED' });
  });
});

describe('@warden/client: the global fetch', () => {
  const original = globalThis.fetch;
  afterEach(() => {
    globalThis.fetch = original;
  });

  test('is called as a browser requires (on the global object, not on the client), so the page-load refresh works', async () => {
    const calledOn: unknown[] = [];
    // A browser's window.fetch throws "Illegal invocation" when called with another `this`.
    globalThis.fetch = function (this: unknown) {
      calledOn.push(this);
      if (this !== undefined && this !== globalThis) return Promise.reject(new TypeError('Illegal invocation'));
      const payload = { accessToken: 'refreshed', accessTokenExpiresAt: new Date(Date.now() + 600_000).toISOString(), user: { id: 'u1' } };
      return Promise.resolve(new Response(JSON.stringify({ data: { refreshSession: payload } }), { headers: { 'content-type': 'application/json' } }));
    } as typeof fetch;
    const auth = createWardenAuth({ url: 'http://warden.test/graphql', refreshEarlySeconds: 0 });
    await expect(auth.refresh()).resolves.toBe('refreshed');
    expect(calledOn).toHaveLength(1);
    auth.dispose();
  });
});
