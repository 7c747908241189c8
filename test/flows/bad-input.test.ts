import { startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { PASSWORD, uniqueEmail } from '../support/flows';
import { LoginDocument, RequestOtpDocument, SignupDocument } from '../graphql/generated/graphql';

describe('bad input gets its contract code, never a 500 and never half-written data', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const userCount = async () => (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('users')}`))[0].n as number;

  test.each([
    { label: 'an email without @', input: { email: 'ada.example.com', password: PASSWORD } },
    { label: 'an email with spaces inside', input: { email: 'ada lovelace@example.com', password: PASSWORD } },
    { label: 'an oversized email', input: { email: `${'a'.repeat(300)}@example.com`, password: PASSWORD } },
    { label: 'an oversized name', input: { email: 'name@example.com', password: PASSWORD, name: 'n'.repeat(5000) } },
    { label: 'an organization without a name', input: { email: 'org@example.com', password: PASSWORD, organization: { name: '   ' } } },
    { label: 'a javascript: logo URL', input: { email: 'logo@example.com', password: PASSWORD, organization: { name: 'X', logoUrl: 'javascript:alert(1)' } } },
    { label: 'a 100 kB password', input: { email: 'huge@example.com', password: 'p'.repeat(30_000) } },
  ])('signup with $label → BAD_USER_INPUT, no user, no mail', async ({ input }) => {
    const before = await userCount();
    const mailsBefore = t.inbox.mails.length;
    const client = t.client();
    const err = await client.error(client.request(SignupDocument, { input }));
    expect(err.code).toBe('BAD_USER_INPUT');
    expect(err.message).not.toMatch(/internal/i);
    expect(await userCount()).toBe(before);
    expect(t.inbox.mails.length).toBe(mailsBefore);
  });

  test('login with a malformed email is BAD_USER_INPUT; an empty password too', async () => {
    const client = t.client();
    expect((await client.error(client.request(LoginDocument, { input: { email: 'nope', password: PASSWORD } }))).code).toBe('BAD_USER_INPUT');
    expect((await client.error(client.request(LoginDocument, { input: { email: uniqueEmail(), password: '' } }))).code).toBe('BAD_USER_INPUT');
  });

  test('requestOtp needs exactly one of email and phone', async () => {
    const client = t.client();
    expect((await client.error(client.request(RequestOtpDocument, { input: {} }))).code).toBe('BAD_USER_INPUT');
    expect((await client.error(client.request(RequestOtpDocument, { input: { email: uniqueEmail(), phone: '+447700900123' } }))).code).toBe('BAD_USER_INPUT');
  });

  test('a missing required argument and an unknown field keep Apollo codes (GRAPHQL_VALIDATION_FAILED)', async () => {
    const missing = await rawPost(t.url, JSON.stringify({ query: 'mutation { signup(input: { email: "a@b.co" }) { challengeId } }' }));
    expect(missing.status).toBe(400);
    expect(missing.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const unknown = await rawPost(t.url, JSON.stringify({ query: '{ viewer { id passwordHash } }' }));
    expect(unknown.json.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(JSON.stringify(unknown.json)).not.toContain('stacktrace');
  });

  test('a syntax error is GRAPHQL_PARSE_FAILED; a wrong variable type is BAD_USER_INPUT', async () => {
    const parse = await rawPost(t.url, JSON.stringify({ query: 'mutation { signup(' }));
    expect(parse.json.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const variables = await rawPost(
      t.url,
      JSON.stringify({ query: 'mutation S($input: SignupInput!) { signup(input: $input) { challengeId } }', variables: { input: { email: 5 } } }),
    );
    expect(variables.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  test('a body over the size limit is refused with 413 before GraphQL runs', async () => {
    const big = await rawPost(t.url, JSON.stringify({ query: '{ viewer { id } }', variables: { pad: 'x'.repeat(200_000) } }));
    expect(big.status).toBe(413);
  });

  test('GET never runs a mutation; a form-encoded mutation is refused (CSRF prevention)', async () => {
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent('mutation { logout }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(405);
    const form = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${encodeURIComponent('mutation { logout }')}`,
    });
    expect(form.status).toBeGreaterThanOrEqual(400);
    expect(form.status).toBeLessThan(500);
    const textPlain = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(textPlain.status).toBeGreaterThanOrEqual(400);
    expect(textPlain.status).toBeLessThan(500);
    const simpleGet = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ viewer { id } }')}`);
    expect(simpleGet.status).toBe(400); // a GET without a preflight-forcing header is refused too
  });

  test('GET serves queries when the client sends a preflight-forcing header', async () => {
    const get = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ viewer { id } }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ data: { viewer: null } });
  });
});
