import 'reflect-metadata';
import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { startOidcOp, type FakeOp } from '../support/oidc-provider';
import { startFakeGitHub, type FakeGitHub } from '../support/github-fake';
import { OAuthBrowser, pkcePair } from '../support/oauth-browser';
import { GraphQLRequestError } from '../support/graphql-client';
import { uniqueEmail } from '../support/flows';
import { CompleteOAuthDocument, StartOAuthDocument } from '../graphql/generated/graphql';

/**
 * Provider sign-in at the most verbose log level: no provider code, Warden code, state, nonce, token or client
 * secret reaches the log or the audit table; the gateway's provider routes are limited per client IP.
 */
const PUBLIC_URL = 'http://warden.test';
const APP = 'http://app.test';
const CALLBACK = `${APP}/oauth/callback`;
const LIMIT = 10;

describe('provider sign-in: secrets stay out of logs; per-IP limit on the callback route', () => {
  let t: TestApp;
  let op: FakeOp;
  let gh: FakeGitHub;
  const lines: string[] = [];
  const secrets = new Set<string>(['google-secret-value-1234', 'gh-secret-value-5678']);

  beforeAll(async () => {
    op = await startOidcOp({
      clients: [{ client_id: 'warden', client_secret: 'google-secret-value-1234', redirect_uris: [`${PUBLIC_URL}/oauth/callback/google`] }],
      accounts: { alice: { email: uniqueEmail('alice'), email_verified: true } },
    });
    gh = await startFakeGitHub({
      clients: { 'gh-client': { secret: 'gh-secret-value-5678', redirectUri: `${PUBLIC_URL}/oauth/callback/github` } },
      users: { octo: { id: 4242, login: 'octo', emails: [{ email: uniqueEmail('octo'), primary: true, verified: true }] } },
    });
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    t = await startTestApp({
      overrides: { logDestination: destination },
      env: {
        LOG_LEVEL: 'trace',
        PUBLIC_URL,
        RATE_LIMIT_IP_PER_MINUTE: String(LIMIT),
        OAUTH_GOOGLE_CLIENT_ID: 'warden',
        OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret-value-1234',
        OAUTH_GOOGLE_ISSUER: op.issuer,
        OAUTH_GITHUB_CLIENT_ID: 'gh-client',
        OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret-value-5678',
        OAUTH_GITHUB_URL: gh.url,
        OAUTH_GITHUB_API_URL: gh.url,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await op?.close();
    await gh?.close();
  });

  /** One sign-in through the provider; keeps every secret the browser saw. Two requests on the limited routes. */
  async function signIn(provider: string): Promise<URL> {
    const client = t.client();
    const { codeChallenge, codeVerifier } = pkcePair();
    const { startOAuth } = await client.request(StartOAuthDocument, { input: { provider, redirectTo: CALLBACK, codeChallenge } });
    const browser = new OAuthBrowser(PUBLIC_URL, t.url, [APP]);
    const landing = await browser.navigate(startOAuth.authorizationUrl, (url) => {
      for (const name of ['state', 'nonce', 'code', 'code_challenge']) {
        const value = url.searchParams.get(name);
        if (value) secrets.add(value);
      }
    });
    const code = landing.url.searchParams.get('code');
    if (code) {
      secrets.add(code);
      const { completeOAuth } = await client.request(CompleteOAuthDocument, { input: { code, codeVerifier } });
      secrets.add(completeOAuth.accessToken).add(completeOAuth.refreshToken);
    }
    return landing.url;
  }

  test('sign-ins and a failing token endpoint leave no secret in the log or the audit table', async () => {
    expect((await signIn('google')).searchParams.get('code')).toBeTruthy();
    expect((await signIn('github')).searchParams.get('code')).toBeTruthy();
    op.tamper = 'token-500';
    expect((await signIn('google')).searchParams.get('reason')).toBe('PROVIDER_ERROR');
    op.tamper = null;

    const audit = JSON.stringify(await t.app.dataSource.query(`SELECT * FROM ${t.table('audit_events')}`));
    const log = lines.join('');
    expect(log.length).toBeGreaterThan(1000); // the log was written at trace level
    expect(audit).toContain('oauth.completed');
    expect(audit).toContain('oauth.failed');
    for (const secret of secrets) {
      expect(log.includes(secret) ? secret : null).toBeNull();
      expect(audit.includes(secret) ? secret : null).toBeNull();
    }
  });

  test(`GET /oauth/callback/:provider answers 429 with Retry-After past ${LIMIT} per IP per minute`, async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < LIMIT + 1; i++) {
      const res = await fetch(`${t.url}/oauth/callback/google?state=unknown-${i}&code=x`, { redirect: 'manual' });
      await res.text();
      statuses.push(res.status);
      retryAfter = res.headers.get('retry-after') ?? retryAfter;
      if (res.status === 429) break;
    }
    // The first test spent 6 of the window's requests (gateway start + callback per sign-in).
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, -1).every((s) => s === 400)).toBe(true);
    expect(statuses.length).toBeLessThanOrEqual(LIMIT + 1);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });

  test('startOAuth and completeOAuth are limited per client IP (RATE_LIMITED with retryAfter)', async () => {
    const client = t.client();
    const codes: string[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      const error = await client
        .request(StartOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkcePair().codeChallenge } })
        .then(
          () => null,
          (e: unknown) => (e instanceof GraphQLRequestError ? e.info : Promise.reject(e)),
        );
      if (error) {
        codes.push(error.code);
        expect(error.extensions.retryAfter).toBeGreaterThan(0);
        break;
      }
      codes.push('ok');
    }
    expect(codes.at(-1)).toBe('RATE_LIMITED');
    const answers: string[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      const error = await client.error(client.request(CompleteOAuthDocument, { input: { code: 'A'.repeat(32) } }));
      answers.push(error.code);
      if (error.code === 'RATE_LIMITED') break;
    }
    expect(answers.at(-1)).toBe('RATE_LIMITED');
    expect(answers.slice(0, -1).every((c) => c === 'OAUTH_FAILED')).toBe(true);
  });
});
