import { shippedIpLimits, startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { aliased, codesOf, countRows, errorsOf, signUpVerified } from '../support/attack';
import { codeFrom } from '../support/smtp-inbox';
import {
  CreateOrganizationDocument,
  OrganizationDetailsDocument,
  RequestOtpDocument,
  VerifyOtpDocument,
  ViewerBasicDocument,
} from '../graphql/generated/graphql';

const FULL_VIEWER = `{ viewer { id email emailVerified phone phoneVerified name createdAt organization { id name industry teamSize logoUrl } sessions { id createdAt lastUsedAt expiresAt userAgent ip current } } }`;

describe('GraphQL hardening: each limit refuses with a clear error before anything runs', () => {
  let t: TestApp;
  let tight: TestApp;
  beforeAll(async () => {
    [t, tight] = await Promise.all([
      startTestApp({ env: shippedIpLimits }),
      startTestApp({ env: { ...shippedIpLimits, GRAPHQL_MAX_DEPTH: '2', GRAPHQL_MAX_COST: '30', GRAPHQL_MAX_ALIASES: '2', GRAPHQL_MAX_TOKENS: '40' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), tight?.close()]);
  });

  test('the real client’s documents fit the default limits (the biggest one included)', async () => {
    const { client } = await signUpVerified(t, 'fits@example.com', 'correct horse battery staple');
    const res = await rawPost(t.url, JSON.stringify({ query: FULL_VIEWER }), { authorization: `Bearer ${client.accessToken}` });
    expect(res.status).toBe(200);
    expect(res.json.data.viewer.email).toBe('fits@example.com');
  });

  test('aliases: 11 aliased requestOtp with GRAPHQL_MAX_ALIASES=10 → 400, no code sent, no challenge written', async () => {
    const doc = aliased(11, (i) => `requestOtp(input: { email: "alias${i}@example.com" }) { challengeId }`);
    const res = await rawPost(t.url, JSON.stringify({ query: doc }));
    expect(res.status).toBe(400);
    expect(errorsOf(res.json)[0]).toMatchObject({
      message: expect.stringMatching(/Aliases limit of 10 exceeded, found 11/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(res.json.data).toBeUndefined();
    expect(await countRows(t, `SELECT count(*) AS n FROM {otp_challenges} WHERE destination LIKE 'alias%'`)).toBe(0);
    // The same limit at 2 on the tight instance: 3 viewer aliases are refused, 2 pass.
    expect((await rawPost(tight.url, JSON.stringify({ query: '{ a: viewer { id } b: viewer { id } c: viewer { id } }' }))).status).toBe(400);
    expect((await rawPost(tight.url, JSON.stringify({ query: '{ a: viewer { id } b: viewer { id } }' }))).status).toBe(200);
  });

  test('depth: a document deeper than GRAPHQL_MAX_DEPTH → 400 naming the depth limit', async () => {
    const deep = await rawPost(tight.url, JSON.stringify({ query: '{ viewer { organization { name } } }' }));
    expect(deep.status).toBe(400);
    expect(errorsOf(deep.json).map((e) => e.message)).toContain('Syntax Error: Query depth limit of 2 exceeded, found 3.');
    expect((await rawPost(tight.url, JSON.stringify({ query: '{ viewer { id } }' }))).status).toBe(200);
    // Default limit 6, nested through fragments (flattened, so fragments cannot hide depth).
    const fragments = `query { viewer { ...A } } fragment A on User { organization { ...B } } fragment B on Organization { a { b { c { d { e } } } } }`;
    const res = await rawPost(t.url, JSON.stringify({ query: fragments }));
    expect(res.status).toBe(400);
    expect(errorsOf(res.json).some((e) => /Query depth limit of 6 exceeded/.test(e.message))).toBe(true);
  });

  test('cost: a fragment bomb (each fragment spreading the next twice) → 400 naming the cost limit', async () => {
    const levels = 8;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i < levels - 1 ? `fragment F${i} on User { ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on User { id email name sessions { id ip } }`,
    ).join('\n');
    const res = await rawPost(t.url, JSON.stringify({ query: `query { viewer { ...F0 } }\n${fragments}` }));
    expect(res.status).toBe(400);
    expect(errorsOf(res.json)[0]!.message).toMatch(/Query Cost limit of 1000 exceeded, found \d+/);
    // GRAPHQL_MAX_COST=30: the full viewer document (cost 45.5) is too expensive, a small one is not.
    const costly = await rawPost(tight.url, JSON.stringify({ query: FULL_VIEWER.replace(/organization \{[^}]*\} /, '') }));
    expect(errorsOf(costly.json).some((e) => /Query Cost limit of 30 exceeded/.test(e.message))).toBe(true);
  });

  test('cost: a variable `first` is charged like the same literal (and an absent one like its default)', async () => {
    const { client } = await signUpVerified(t, 'cost-vars@example.com', 'correct horse battery staple');
    const auth = { authorization: `Bearer ${client.accessToken}` };
    // Two pages of 100 security events cost 2 × 752 > 1000; two pages of 1 cost 19.
    const pages = (arg: string, n = 2) =>
      `{ ${Array.from({ length: n }, (_, i) => `a${i}: viewer { securityEvents${arg} { nodes { id type createdAt } endCursor hasNextPage } }`).join(' ')} }`;
    const post = (query: string, variables?: Record<string, unknown>) => rawPost(t.url, JSON.stringify({ query, variables }), auth);
    const literal = await post(pages('(first: 100)'));
    expect(literal.status).toBe(400);
    const [refusal] = errorsOf(literal.json).map((e) => e.message);
    expect(refusal).toMatch(/Query Cost limit of 1000 exceeded, found 1504/);
    const variable = await post(`query Q($n: Int!) ${pages('(first: $n)')}`, { n: 100 });
    expect(variable.status).toBe(400);
    expect(errorsOf(variable.json)[0]).toMatchObject({ message: refusal, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(variable.json.data).toBeUndefined();
    const defaulted = await post(`query Q($n: Int! = 100) ${pages('(first: $n)')}`);
    expect(errorsOf(defaulted.json)[0]!.message).toBe(refusal);
    const one = await post(`query Q($n: Int!) ${pages('(first: $n)')}`, { n: 1 });
    expect(one.status).toBe(200);
    expect(one.json.data.a0.securityEvents.nodes.length).toBeLessThanOrEqual(1);
    // No `first` at all: securityEvents pages 20 by default and is charged 20 rows (7 × 152 > 1000).
    expect(errorsOf((await post(pages('', 7))).json)[0]!.message).toMatch(/Query Cost limit of 1000 exceeded, found 1064/);
    expect((await post(pages('(first: 1)', 7))).status).toBe(200);
    // Past the contract's 1..100: BAD_USER_INPUT naming the argument before anything runs (never a 500), as a
    // variable and as a literal.
    for (const [query, variables] of [
      [`query Q($n: Int!) ${pages('(first: $n)', 1)}`, { n: 100_000 }],
      [pages('(first: 100000)', 1), undefined],
      [`query Q($n: Int!) ${pages('(first: $n)', 1)}`, { n: 0 }],
    ] as const) {
      const res = await post(query, variables);
      expect(res.status).toBe(200);
      expect(errorsOf(res.json)[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
      expect(res.json.data ?? null).toBeNull();
    }
  });

  test('cost: members(first: 50), the documented page, with its usual fields fits the default limit', async () => {
    const { client } = await signUpVerified(t, 'cost-members@example.com', 'correct horse battery staple');
    const org = (await client.request(CreateOrganizationDocument, { input: { name: 'Cost' } })).createOrganization;
    const details = await client.query(OrganizationDetailsDocument, { id: org.id, first: 50 });
    expect(details.organization?.members.nodes.map((m) => m.email)).toEqual(['cost-members@example.com']);
    // The same page under viewer.organizations, one level deeper.
    const nested = (n: number) =>
      `{ viewer { organizations { id members(first: ${n}) { nodes { id userId email name role joinedAt } endCursor hasNextPage } } } }`;
    const fits = await rawPost(t.url, JSON.stringify({ query: nested(50) }), { authorization: `Bearer ${client.accessToken}` });
    expect(fits.status).toBe(200);
    expect(fits.json.data.viewer.organizations[0].members.nodes).toHaveLength(1);
  });

  test('tokens: a document past GRAPHQL_MAX_TOKENS is not even parsed → 400 GRAPHQL_PARSE_FAILED', async () => {
    const res = await rawPost(t.url, JSON.stringify({ query: `{ viewer { ${'id '.repeat(1000)}} }` }));
    expect(res.status).toBe(400);
    expect(errorsOf(res.json)[0]).toMatchObject({ message: expect.stringMatching(/more th\w+ 1000 tokens/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    const small = await rawPost(tight.url, JSON.stringify({ query: `{ viewer { ${'id '.repeat(40)}} }` }));
    expect(codesOf(small.json)).toEqual(['GRAPHQL_PARSE_FAILED']);
  });

  test('size: a body over GRAPHQL_MAX_BODY_BYTES (64 KiB) → 413 with a GraphQL-shaped error', async () => {
    const res = await rawPost(t.url, JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(65 * 1024) } }));
    expect(res.status).toBe(413);
    expect(errorsOf(res.json)[0]).toMatchObject({
      message: 'Request body is too large',
      extensions: { code: 'BAD_REQUEST', reason: 'FST_ERR_CTP_BODY_TOO_LARGE' },
    });
  });

  test('batching is off: an array of operations is refused whole (400) and none of them runs', async () => {
    const op = (email: string) => ({ query: `mutation { requestOtp(input: { email: "${email}" }) { challengeId } }` });
    const many = await rawPost(t.url, JSON.stringify(Array.from({ length: 500 }, (_, i) => op(`batch${i}@example.com`))));
    expect(many.status).toBe(400);
    expect(errorsOf(many.json)[0]).toMatchObject({ message: 'At most 1 operation(s) per request.', extensions: { code: 'BAD_REQUEST' } });
    const one = await rawPost(t.url, JSON.stringify([op('batch-one@example.com')]));
    expect(one.status).toBe(400);
    expect(errorsOf(one.json)[0]!.message).toBe('Operation batching disabled.');
    expect(await countRows(t, `SELECT count(*) AS n FROM {otp_challenges} WHERE destination LIKE 'batch%'`)).toBe(0);
  });

  test('CSRF: a form-encoded or text/plain mutation (no preflight) is refused and does nothing', async () => {
    const mutation = 'mutation { requestOtp(input: { email: "csrf@example.com" }) { challengeId } }';
    const form = await rawPost(t.url, new URLSearchParams({ query: mutation }).toString(), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(errorsOf(form.json)[0]!.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
    const text = await rawPost(t.url, JSON.stringify({ query: mutation }), { 'content-type': 'text/plain' });
    expect(text.status).toBe(400);
    expect(errorsOf(text.json)[0]!.message).toMatch(/Cross-Site Request Forgery/);
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: mutation }));
    const mp = await fetch(`${t.url}/graphql`, { method: 'POST', body: multipart });
    expect(mp.status).toBeGreaterThanOrEqual(400);
    expect(await countRows(t, `SELECT count(*) AS n FROM {otp_challenges} WHERE destination = 'csrf@example.com'`)).toBe(0);
  });

  test('GET never runs a mutation; GET queries need the preflight header (CSRF)', async () => {
    const mutation = encodeURIComponent('mutation { requestOtp(input: { email: "get@example.com" }) { challengeId } }');
    const withHeader = await fetch(`${t.url}/graphql?query=${mutation}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(withHeader.status).toBe(405);
    expect(errorsOf(await withHeader.json())[0]!.message).toMatch(/GET requests only support query operations/);
    const simple = await fetch(`${t.url}/graphql?query=${mutation}`);
    expect(simple.status).toBe(400);
    expect(await countRows(t, `SELECT count(*) AS n FROM {otp_challenges} WHERE destination = 'get@example.com'`)).toBe(0);
    const query = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ viewer { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(await query.json()).toEqual({ data: { viewer: null } });
  });

  test('outside production introspection, field suggestions and the Sandbox page stay on', async () => {
    const res = await rawPost(t.url, JSON.stringify({ query: '{ __schema { queryType { name } } }' }));
    expect(res.json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const typo = await rawPost(t.url, JSON.stringify({ query: '{ viewr { id } }' }));
    expect(errorsOf(typo.json)[0]!.message).toMatch(/Did you mean "viewer"\?/);
    const sandbox = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await sandbox.text()).toMatch(/<html[\s\S]*sandbox/i);
  });
});

describe('GraphQL hardening: batching allowed up to GRAPHQL_MAX_OPERATIONS_PER_REQUEST, each operation counted', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...shippedIpLimits, GRAPHQL_MAX_OPERATIONS_PER_REQUEST: '3' } });
  });
  afterAll(() => t?.close());

  test('a batch of 3 wrong codes spends 3 tries; a batch of 4 is refused and spends none', async () => {
    const { client } = await signUpVerified(t, 'batcher@example.com', 'correct horse battery staple');
    client.accessToken = null;
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email: 'batcher@example.com' } });
    const code = codeFrom(await t.inbox.waitForMail('batcher@example.com', 2));
    const wrong = code === '000000' ? '111111' : '000000';
    const op = {
      query: 'mutation V($input: VerifyOtpInput!) { verifyOtp(input: $input) { accessToken } }',
      variables: { input: { challengeId: requestOtp.challengeId, code: wrong } },
    };

    const three = await rawPost(t.url, JSON.stringify([op, op, op]));
    expect(three.status).toBe(200);
    // The operations of a batch run concurrently: each spends one try, in whatever order they reach the store.
    const extensions = (three.json as unknown[]).map((r) => errorsOf(r)[0]!.extensions as { code: string; attemptsLeft: number });
    expect(extensions.map((e) => e.code)).toEqual(['INVALID_OTP', 'INVALID_OTP', 'INVALID_OTP']);
    expect(extensions.map((e) => e.attemptsLeft).sort()).toEqual([2, 3, 4]);

    const four = await rawPost(t.url, JSON.stringify([op, op, op, op]));
    expect(four.status).toBe(400);
    expect(errorsOf(four.json)[0]!.message).toBe('At most 3 operation(s) per request.');

    const next = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: wrong } }));
    expect(next).toMatchObject({ code: 'INVALID_OTP', extensions: { attemptsLeft: 1 } });
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
    client.accessToken = verifyOtp.accessToken;
    expect((await client.query(ViewerBasicDocument)).viewer?.email).toBe('batcher@example.com');
  });
});
