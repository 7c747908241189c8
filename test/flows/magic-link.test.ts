import { print } from 'graphql';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { linkFrom } from '../support/smtp-inbox';
import { PASSWORD, TestClock, signUpAndVerify, uniqueEmail } from '../support/flows';
import { postGraphqlRaw } from '../support/raw-http';
import type { WardenClient } from '../support/graphql-client';
import { RequestMagicLinkDocument, SignupDocument, VerifyMagicLinkDocument, ViewerDocument } from '../graphql/generated/graphql';

const TOKEN_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9_-]{43}$/;

describe('magic links: requestMagicLink → mailed link to the frontend → verifyMagicLink', () => {
  const clock = new TestClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now } });
  });
  afterAll(() => t.close());

  /** Asks for a link and returns it as received by the SMTP server. */
  async function mailedLink(client: WardenClient, email: string, redirectTo?: string): Promise<URL> {
    const before = t.inbox.mailsTo(email).length;
    const { requestMagicLink } = await client.request(RequestMagicLinkDocument, { input: { email, redirectTo } });
    expect(requestMagicLink).toEqual({ ok: true });
    return linkFrom(await t.inbox.waitForMail(email, before + 1));
  }

  const tokenOf = (link: URL) => link.searchParams.get('token')!;
  const tokenRows = async (email: string) =>
    t.app.dataSource.query(`SELECT m.* FROM ${t.table('magic_link_tokens')} m JOIN ${t.table('users')} u ON u.id = m.user_id WHERE u.email = $1`, [email]);

  test('a known email gets a link on APP_URL; the frontend passes its token to verifyMagicLink and is signed in', async () => {
    const email = uniqueEmail('magic');
    const owner = await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const before = t.inbox.mailsTo(email).length;
    await client.request(RequestMagicLinkDocument, { input: { email: email.toUpperCase() } });
    const mail = await t.inbox.waitForMail(email, before + 1);
    expect(mail.subject).toBe('Sign in to Warden');
    const link = linkFrom(mail);
    expect(`${link.origin}${link.pathname}`).toBe('http://app.test/auth/magic-link');
    expect(tokenOf(link)).toMatch(TOKEN_RE);
    expect(mail.html).toContain(link.toString().replace(/&/g, '&amp;'));
    expect(mail.text).toMatch(/10 minutes/);

    // Stored only as a keyed hash.
    const [row] = await tokenRows(email);
    const [id, secret] = tokenOf(link).split('.');
    expect(row.id).toBe(id);
    expect(JSON.stringify(row)).not.toContain(secret);

    const { verifyMagicLink } = await client.request(VerifyMagicLinkDocument, { token: tokenOf(link) });
    expect(verifyMagicLink.user).toMatchObject({ id: owner.user.id, email, emailVerified: true });
    client.accessToken = verifyMagicLink.accessToken;
    expect((await client.query(ViewerDocument)).viewer?.id).toBe(owner.user.id);
  });

  test('a link works once: a second use, and all but one of racing uses, get INVALID_TOKEN', async () => {
    const email = uniqueEmail('once');
    await signUpAndVerify(t, t.client(), email);
    const first = await mailedLink(t.client(), email);
    await t.client().request(VerifyMagicLinkDocument, { token: tokenOf(first) });
    const again = t.client();
    expect((await again.error(again.request(VerifyMagicLinkDocument, { token: tokenOf(first) }))).code).toBe('INVALID_TOKEN');

    const raced = await mailedLink(t.client(), email);
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => t.client().request(VerifyMagicLinkDocument, { token: tokenOf(raced) })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) expect(r.reason.info.code).toBe('INVALID_TOKEN');
  });

  test('a link is good for 10 minutes (the default and the most MAGIC_LINK_TTL_SECONDS allows) and not a second longer', async () => {
    const email = uniqueEmail('expiry');
    await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    try {
      const fresh = await mailedLink(client, email);
      clock.advance(9 * 60 + 50);
      await client.request(VerifyMagicLinkDocument, { token: tokenOf(fresh) });

      const stale = await mailedLink(client, email);
      clock.advance(10 * 60 + 1);
      expect((await client.error(client.request(VerifyMagicLinkDocument, { token: tokenOf(stale) }))).code).toBe('INVALID_TOKEN');
    } finally {
      clock.offsetMs = 0;
    }
  });

  test('a newer link revokes the older unused one', async () => {
    const email = uniqueEmail('newer');
    await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const older = await mailedLink(client, email);
    const newer = await mailedLink(client, email);
    expect(tokenOf(newer)).not.toBe(tokenOf(older));
    expect((await client.error(client.request(VerifyMagicLinkDocument, { token: tokenOf(older) }))).code).toBe('INVALID_TOKEN');
    await client.request(VerifyMagicLinkDocument, { token: tokenOf(newer) });
  });

  test('Host and X-Forwarded-Host of evil.example do not change the link: it always starts with APP_URL', async () => {
    const email = uniqueEmail('host');
    await signUpAndVerify(t, t.client(), email);

    const forwarded = await mailedLink(
      t.client({ 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https', forwarded: 'host=evil.example;proto=https' }),
      email,
    );
    expect(forwarded.toString().startsWith('http://app.test/auth/magic-link?token=')).toBe(true);

    const before = t.inbox.mailsTo(email).length;
    const raw = await postGraphqlRaw(
      t.url,
      { query: print(RequestMagicLinkDocument), variables: { input: { email } } },
      { host: 'evil.example', 'x-forwarded-host': 'evil.example' },
    );
    expect(raw.json).toEqual({ data: { requestMagicLink: { ok: true } } });
    const mail = await t.inbox.waitForMail(email, before + 1);
    expect(linkFrom(mail).toString().startsWith('http://app.test/auth/magic-link?token=')).toBe(true);
    expect(mail.text + mail.html).not.toContain('evil.example');
  });

  test('redirectTo on an allowed origin is carried through the link', async () => {
    const email = uniqueEmail('redirect');
    await signUpAndVerify(t, t.client(), email);
    const link = await mailedLink(t.client(), email, 'https://admin.app.test/after/sign-in?tab=2');
    expect(link.searchParams.get('redirectTo')).toBe('https://admin.app.test/after/sign-in?tab=2');
    expect(`${link.origin}${link.pathname}`).toBe('http://app.test/auth/magic-link');
    await t.client().request(VerifyMagicLinkDocument, { token: tokenOf(link) });
  });

  test.each(
    [
      ['https://evil.example/', 'another site'],
      ['https://app.test/', 'the allowlisted origin is http://app.test: the scheme is part of the origin'],
      ['http://app.test.evil.example/', 'a look-alike host'],
      ['http://app.test@evil.example/', 'userinfo hiding the real host'],
      ['http://app.test:8080/', 'another port'],
      ['javascript:alert(document.cookie)', 'a script URL'],
      ['//evil.example/', 'scheme-relative'],
      ['/relative/path', 'relative'],
      [`http://app.test/${'a'.repeat(3000)}`, 'oversized (3000 characters of path)'],
    ].map(([url, why]) => [why, url] as const),
  )('redirectTo refused (%s) is BAD_USER_INPUT and nothing is sent', async (_why, redirectTo) => {
    const email = uniqueEmail('badredirect');
    await signUpAndVerify(t, t.client(), email);
    const before = t.inbox.mailsTo(email).length;
    const client = t.client();
    const err = await client.error(client.request(RequestMagicLinkDocument, { input: { email, redirectTo } }));
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', extensions: expect.objectContaining({ field: expect.stringMatching(/^(input\.)?redirectTo$/) }) });
    expect(await tokenRows(email)).toHaveLength(0);
    expect(t.inbox.mailsTo(email)).toHaveLength(before);
  });

  test('an unknown email gets the same { ok: true } and no mail; a malformed one is BAD_USER_INPUT', async () => {
    const client = t.client();
    const unknown = uniqueEmail('nobody');
    const known = uniqueEmail('somebody');
    await signUpAndVerify(t, t.client(), known);
    const answers = [
      await client.request(RequestMagicLinkDocument, { input: { email: unknown } }),
      await client.request(RequestMagicLinkDocument, { input: { email: known } }),
    ];
    expect(answers[0]).toEqual(answers[1]);
    await t.inbox.waitForMail(known, 2);
    expect(t.inbox.mailsTo(unknown)).toHaveLength(0);
    const audit = await t.app.dataSource.query(`SELECT outcome, data FROM ${t.table('audit_events')} WHERE event = 'magic_link.requested'`);
    expect(audit).toContainEqual({ outcome: 'failure', data: { reason: 'unknown_email' } });

    const err = await client.error(client.request(RequestMagicLinkDocument, { input: { email: 'not-an-email' } }));
    expect(err.code).toBe('BAD_USER_INPUT');
  });

  test('consuming a link marks an unverified email verified', async () => {
    const email = uniqueEmail('unverified');
    await t.client().request(SignupDocument, { input: { email, password: PASSWORD } });
    await t.inbox.waitForMail(email, 1);
    const link = await mailedLink(t.client(), email);
    const { verifyMagicLink } = await t.client().request(VerifyMagicLinkDocument, { token: tokenOf(link) });
    expect(verifyMagicLink.user).toMatchObject({ email, emailVerified: true });
  });

  test('malformed and forged tokens are INVALID_TOKEN', async () => {
    const email = uniqueEmail('forged');
    await signUpAndVerify(t, t.client(), email);
    const real = tokenOf(await mailedLink(t.client(), email));
    const [id, secret] = real.split('.') as [string, string];
    const flipped = secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A');
    const client = t.client();
    for (const token of ['', 'garbage', id, `${id}.`, `${id}.${flipped}`, `${crypto.randomUUID()}.${secret}`, `${real}x`, `${real} `]) {
      expect((await client.error(client.request(VerifyMagicLinkDocument, { token }))).code).toBe('INVALID_TOKEN');
    }
    // None of that burnt the real link.
    await client.request(VerifyMagicLinkDocument, { token: real });
  });

  test('a mail scanner cannot burn a link: GET /graphql never runs verifyMagicLink, and the link still works', async () => {
    const email = uniqueEmail('scanner');
    await signUpAndVerify(t, t.client(), email);
    const token = tokenOf(await mailedLink(t.client(), email));
    const query = encodeURIComponent(print(VerifyMagicLinkDocument));
    const variables = encodeURIComponent(JSON.stringify({ token }));
    const response = await fetch(`${t.url}/graphql?query=${query}&variables=${variables}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(await response.json())).not.toContain('accessToken');
    await t.client().request(VerifyMagicLinkDocument, { token });
  });
});

describe('links on an APP_URL with a path, and a custom MAGIC_LINK_PATH', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { APP_URL: 'https://example.test/portal/', MAGIC_LINK_PATH: '/sign-in/link', REDIRECT_ALLOWLIST: 'https://example.test' } });
  });
  afterAll(() => t.close());

  test('the link is APP_URL + MAGIC_LINK_PATH + ?token=…', async () => {
    const email = uniqueEmail('portal');
    await signUpAndVerify(t, t.client(), email);
    await t.client().request(RequestMagicLinkDocument, { input: { email, redirectTo: 'https://example.test/portal/home' } });
    const link = linkFrom(await t.inbox.waitForMail(email, 2));
    expect(`${link.origin}${link.pathname}`).toBe('https://example.test/portal/sign-in/link');
    expect(link.searchParams.get('redirectTo')).toBe('https://example.test/portal/home');
    await t.client().request(VerifyMagicLinkDocument, { token: link.searchParams.get('token')! });
  });
});
