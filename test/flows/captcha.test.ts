import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { solveChallenge } from 'altcha-lib/v1';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { countRows, errorsOf, signUpVerified } from '../support/attack';
import { loadConfig, startupWarnings } from '../../src/config/config';

const magicLink = (email: string, token?: string, alias = 'm') =>
  `${alias}: requestMagicLink(input: { email: "${email}" }${token ? `, captchaToken: "${token}"` : ''}) { ok }`;

async function post(t: TestApp, fields: string, headers: Record<string, string> = {}) {
  const res = await rawPost(t.url, JSON.stringify({ query: `mutation { ${fields} }` }), headers);
  return { data: res.json.data as Record<string, unknown> | null, errors: errorsOf(res.json) };
}

/** What the ALTCHA widget sends back: the base64 JSON of the challenge with the number found. */
async function solve(challenge: { algorithm: string; challenge: string; salt: string; signature: string; maxnumber?: number }): Promise<string> {
  const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
  if (!solution) throw new Error('challenge not solvable');
  const payload = {
    algorithm: challenge.algorithm,
    challenge: challenge.challenge,
    number: solution.number,
    salt: challenge.salt,
    signature: challenge.signature,
  };
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

const altchaEnv = { CAPTCHA_PROVIDER: 'altcha', CAPTCHA_ALTCHA_MAX_NUMBER: '1000' };

describe('CAPTCHA_PROVIDER=none (the default)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('never asks: 30 calls with a garbage captchaToken all pass; captchaChallenge says none', async () => {
    for (let i = 0; i < 30; i++) {
      const { errors } = await post(t, magicLink(`none-${i}@example.com`, 'garbage'));
      expect(errors).toEqual([]);
    }
    const res = await rawPost(t.url, JSON.stringify({ query: '{ captchaChallenge { provider siteKey challenge expiresAt } }' }));
    expect(res.json.data.captchaChallenge).toEqual({ provider: 'none', siteKey: null, challenge: null, expiresAt: null });
  });
});

describe('ALTCHA past the per-IP threshold', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...altchaEnv, CAPTCHA_IP_THRESHOLD: '3', CAPTCHA_IDENTIFIER_THRESHOLD: '1000' } });
  });
  afterAll(() => t?.close());

  let challenge: { algorithm: string; challenge: string; salt: string; signature: string; maxnumber: number };

  test('below the threshold nobody sees a CAPTCHA; the call past it is CAPTCHA_REQUIRED THRESHOLD with a challenge, and sends no mail', async () => {
    await signUpVerified(t, 'owner@example.com', 'correct horse battery staple');
    const mailsBefore = t.inbox.mailsTo('owner@example.com').length;
    for (let i = 0; i < 3; i++) expect((await post(t, magicLink(`below-${i}@example.com`))).errors).toEqual([]);
    const { data, errors } = await post(t, magicLink('owner@example.com'));
    expect(data).toBeNull();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.extensions).toMatchObject({
      code: 'CAPTCHA_REQUIRED',
      provider: 'altcha',
      reason: 'THRESHOLD',
      challenge: {
        algorithm: 'SHA-256',
        maxnumber: 1000,
        challenge: expect.any(String),
        salt: expect.stringMatching(/expires=\d+/),
        signature: expect.any(String),
      },
    });
    challenge = errors[0]!.extensions!.challenge as typeof challenge;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(t.inbox.mailsTo('owner@example.com')).toHaveLength(mailsBefore);
    expect(await countRows(t, `SELECT count(*) AS n FROM {audit_events} WHERE event = 'captcha.required'`)).toBe(1);
  });

  test('a solved challenge lets the call through once; the same token again is CAPTCHA_REQUIRED INVALID', async () => {
    const token = await solve(challenge);
    const mailsBefore = t.inbox.mailsTo('owner@example.com').length;
    expect(await post(t, magicLink('owner@example.com', token))).toEqual({ data: { m: { ok: true } }, errors: [] });
    await t.inbox.waitForMail('owner@example.com', mailsBefore + 1);
    const again = await post(t, magicLink('owner@example.com', token));
    expect(again.errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED', reason: 'INVALID', provider: 'altcha', challenge: expect.any(Object) });
    expect(await countRows(t, `SELECT count(*) AS n FROM {audit_events} WHERE event = 'captcha.passed'`)).toBe(1);
    expect(await countRows(t, `SELECT count(*) AS n FROM {audit_events} WHERE event = 'captcha.failed'`)).toBe(1);
  });

  test('two aliases with one token: the first passes, the second is CAPTCHA_REQUIRED INVALID', async () => {
    const res = await rawPost(t.url, JSON.stringify({ query: '{ captchaChallenge { provider challenge expiresAt } }' }));
    expect(res.json.data.captchaChallenge).toMatchObject({ provider: 'altcha', expiresAt: expect.any(String) });
    const token = await solve(res.json.data.captchaChallenge.challenge);
    const { data, errors } = await post(t, `${magicLink('a1@example.com', token, 'a')} ${magicLink('a2@example.com', token, 'b')}`);
    expect(data).toBeNull(); // a mutation's error nulls the non-null parent
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: ['b'], extensions: { code: 'CAPTCHA_REQUIRED', reason: 'INVALID' } });
  });

  test('a token used by another field is spent too (login after requestMagicLink)', async () => {
    const res = await rawPost(t.url, JSON.stringify({ query: '{ captchaChallenge { challenge } }' }));
    const token = await solve(res.json.data.captchaChallenge.challenge);
    expect((await post(t, magicLink('c1@example.com', token))).errors).toEqual([]);
    // login's own counter is below its threshold: past it, the spent token is refused.
    for (let i = 0; i < 3; i++) await post(t, `login(input: { email: "l${i}@example.com", password: "x" }) { challengeId }`);
    const login = await post(t, `login(input: { email: "owner@example.com", password: "x" }, captchaToken: "${token}") { challengeId }`);
    expect(login.errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED', reason: 'INVALID' });
  });

  test('a forged or tampered ALTCHA payload is CAPTCHA_REQUIRED INVALID', async () => {
    const res = await rawPost(t.url, JSON.stringify({ query: '{ captchaChallenge { challenge } }' }));
    const ch = res.json.data.captchaChallenge.challenge;
    const good = JSON.parse(Buffer.from(await solve(ch), 'base64').toString()) as Record<string, unknown>;
    const forged = [
      { ...good, number: (good.number as number) + 1 },
      { ...good, signature: 'a'.repeat(64) },
      { ...good, salt: `${ch.salt}x` },
      'not base64 json',
    ];
    for (const payload of forged) {
      const token = typeof payload === 'string' ? payload : Buffer.from(JSON.stringify(payload)).toString('base64');
      const { errors } = await post(t, magicLink('owner@example.com', token));
      expect(errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED', reason: 'INVALID' });
    }
    // The untouched payload still works: the forgeries did not spend it.
    expect((await post(t, magicLink('owner@example.com', Buffer.from(JSON.stringify(good)).toString('base64')))).errors).toEqual([]);
  });
});

describe('ALTCHA per identifier: rotating IPs does not dodge it', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...altchaEnv, TRUST_PROXY: '1', CAPTCHA_IP_THRESHOLD: '1000', CAPTCHA_IDENTIFIER_THRESHOLD: '2' } });
  });
  afterAll(() => t?.close());

  test('rotating X-Forwarded-For still trips the identifier threshold; another identifier is not affected', async () => {
    const login = (email: string) => `login(input: { email: "${email}", password: "wrong password" }) { challengeId }`;
    for (let i = 1; i <= 2; i++) {
      const { errors } = await post(t, login('victim@example.com'), { 'x-forwarded-for': `203.0.113.${i}` });
      expect(errors[0]!.extensions!.code).not.toBe('CAPTCHA_REQUIRED');
    }
    const third = await post(t, login('victim@example.com'), { 'x-forwarded-for': '203.0.113.3' });
    expect(third.errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED', reason: 'THRESHOLD', provider: 'altcha' });
    // The identifier is normalised: case and spaces do not make a new counter.
    const shouted = await post(t, login(' VICTIM@Example.com '), { 'x-forwarded-for': '203.0.113.4' });
    expect(shouted.errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED' });
    const other = await post(t, login('bystander@example.com'), { 'x-forwarded-for': '203.0.113.3' });
    expect(other.errors[0]!.extensions!.code).not.toBe('CAPTCHA_REQUIRED');
  });
});

type Behaviour = 'success' | 'failure' | 'foreign' | 'cors' | 'hang' | 'error';

/** A Turnstile siteverify stand-in: answers as `behaviour` says and keeps the forms it received. */
async function siteverifyStandIn() {
  const state = { behaviour: 'success' as Behaviour, forms: [] as URLSearchParams[], hanging: [] as ServerResponse[] };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      state.forms.push(new URLSearchParams(body));
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (state.behaviour === 'hang') state.hanging.push(res);
      else if (state.behaviour === 'error') json(503, { error: 'down' });
      else if (state.behaviour === 'failure') json(200, { success: false, 'error-codes': ['invalid-input-response'] });
      else json(200, { success: true, hostname: { foreign: 'evil.test', cors: 'other.test', success: 'app.test' }[state.behaviour] });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/siteverify`,
    stop: () => {
      for (const res of state.hanging) res.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('Turnstile against a local siteverify stand-in (threshold 0: every call)', () => {
  let t: TestApp;
  let standIn: Awaited<ReturnType<typeof siteverifyStandIn>>;
  beforeAll(async () => {
    standIn = await siteverifyStandIn();
    t = await startTestApp({
      env: {
        CAPTCHA_PROVIDER: 'turnstile',
        CAPTCHA_SITE_KEY: 'site-key-1',
        CAPTCHA_SECRET_KEY: 'secret-key-1',
        CAPTCHA_VERIFY_URL: standIn.url,
        CAPTCHA_VERIFY_TIMEOUT_MS: '600',
        CAPTCHA_IP_THRESHOLD: '0',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await standIn?.stop();
  });

  test('without a token: CAPTCHA_REQUIRED THRESHOLD with the site key; captchaChallenge gives the site key', async () => {
    const { errors } = await post(t, magicLink('t0@example.com'));
    expect(errors[0]!.extensions).toEqual({ code: 'CAPTCHA_REQUIRED', provider: 'turnstile', reason: 'THRESHOLD', siteKey: 'site-key-1' });
    const res = await rawPost(t.url, JSON.stringify({ query: '{ captchaChallenge { provider siteKey challenge } }' }));
    expect(res.json.data.captchaChallenge).toEqual({ provider: 'turnstile', siteKey: 'site-key-1', challenge: null });
    expect(standIn.state.forms).toHaveLength(0);
  });

  test('success passes, with secret, response and remoteip posted; failure and a foreign hostname are INVALID', async () => {
    standIn.state.behaviour = 'success';
    expect((await post(t, magicLink('t1@example.com', 'tok-success'))).errors).toEqual([]);
    expect(Object.fromEntries(standIn.state.forms.at(-1)!)).toEqual({ secret: 'secret-key-1', response: 'tok-success', remoteip: '127.0.0.1' });
    standIn.state.behaviour = 'failure';
    expect((await post(t, magicLink('t2@example.com', 'tok-failure'))).errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED', reason: 'INVALID' });
    standIn.state.behaviour = 'foreign';
    expect((await post(t, magicLink('t3@example.com', 'tok-foreign'))).errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED', reason: 'INVALID' });
    // A token that passed is spent: not even sent to the provider again.
    standIn.state.behaviour = 'success';
    const posted = standIn.state.forms.length;
    expect((await post(t, magicLink('t4@example.com', 'tok-success'))).errors[0]!.extensions).toMatchObject({ code: 'CAPTCHA_REQUIRED', reason: 'INVALID' });
    expect(standIn.state.forms).toHaveLength(posted);
  });

  test('a hanging or failing provider is SERVICE_UNAVAILABLE dependency captcha, within about CAPTCHA_VERIFY_TIMEOUT_MS', async () => {
    standIn.state.behaviour = 'hang';
    const started = Date.now();
    const hung = await post(t, magicLink('t5@example.com', 'tok-hang'));
    const took = Date.now() - started;
    expect(hung.errors[0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', dependency: 'captcha' });
    expect(took).toBeGreaterThanOrEqual(550);
    expect(took).toBeLessThan(3000);
    standIn.state.behaviour = 'error';
    const down = await post(t, magicLink('t6@example.com', 'tok-error'));
    expect(down.errors[0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', dependency: 'captcha' });
  });
});

describe('hCaptcha against the stand-in', () => {
  let t: TestApp;
  let standIn: Awaited<ReturnType<typeof siteverifyStandIn>>;
  beforeAll(async () => {
    standIn = await siteverifyStandIn();
    t = await startTestApp({
      env: {
        CAPTCHA_PROVIDER: 'hcaptcha',
        CAPTCHA_SITE_KEY: 'h-site',
        CAPTCHA_SECRET_KEY: 'h-secret',
        CAPTCHA_VERIFY_URL: standIn.url,
        CAPTCHA_IP_THRESHOLD: '1',
        CORS_ORIGINS: 'http://app.test,http://other.test',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await standIn?.stop();
  });

  test('past the threshold: siteKey in the error; the form carries sitekey too; a hostname of CORS_ORIGINS is accepted', async () => {
    expect((await post(t, magicLink('h0@example.com'))).errors).toEqual([]);
    expect(standIn.state.forms).toHaveLength(0);
    expect((await post(t, magicLink('h1@example.com'))).errors[0]!.extensions).toEqual({
      code: 'CAPTCHA_REQUIRED',
      provider: 'hcaptcha',
      reason: 'THRESHOLD',
      siteKey: 'h-site',
    });
    standIn.state.behaviour = 'cors';
    expect((await post(t, magicLink('h2@example.com', 'h-token'))).errors).toEqual([]);
    expect(Object.fromEntries(standIn.state.forms.at(-1)!)).toEqual({ secret: 'h-secret', response: 'h-token', remoteip: '127.0.0.1', sitekey: 'h-site' });
  });
});

describe('production configuration', () => {
  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://db.internal/warden',
    REDIS_URL: 'redis://cache.internal',
    JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAfhX7W2cVYrVqK5GjJ1yWm1Dq7gYq5pY2bF3n3v6c0K\n-----END PRIVATE KEY-----',
    WARDEN_SECRET: 'x'.repeat(40),
    SMTP_URL: 'smtp://mail.internal:25',
    MAIL_FROM: 'Example <no-reply@example.com>',
    PUBLIC_URL: 'https://auth.example.com',
    APP_URL: 'https://app.example.com',
  };

  test.each(['turnstile', 'hcaptcha'])('production refuses CAPTCHA_PROVIDER=%s without keys', (provider) => {
    expect(() => loadConfig({ ...production, CAPTCHA_PROVIDER: provider })).toThrow(/CAPTCHA_SITE_KEY: required[\s\S]*CAPTCHA_SECRET_KEY: required/);
    expect(loadConfig({ ...production, CAPTCHA_PROVIDER: provider, CAPTCHA_SITE_KEY: 's', CAPTCHA_SECRET_KEY: 'k' }).captcha).toMatchObject({ provider });
  });

  test('production warns with CAPTCHA_PROVIDER=none, not with altcha', () => {
    expect(startupWarnings(loadConfig(production)).join('\n')).toMatch(/CAPTCHA_PROVIDER=none/);
    expect(startupWarnings(loadConfig({ ...production, CAPTCHA_PROVIDER: 'altcha' })).join('\n')).not.toMatch(/CAPTCHA/);
  });

  test('an unknown provider is refused everywhere', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', CAPTCHA_PROVIDER: 'recaptcha' })).toThrow(/CAPTCHA_PROVIDER must be none, altcha, turnstile or hcaptcha/);
  });
});
