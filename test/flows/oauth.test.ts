import 'reflect-metadata';
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { startOidcOp, type FakeOp, type Tamper } from '../support/oidc-provider';
import { startFakeGitHub, type FakeGitHub } from '../support/github-fake';
import { OAuthBrowser, pkcePair, type Landing } from '../support/oauth-browser';
import { PASSWORD, TestClock, signUpAndVerify, uniqueEmail } from '../support/flows';
import type { WardenClient } from '../support/graphql-client';
import {
  CompleteOAuthDocument,
  LinkOAuthDocument,
  LoginDocument,
  OAuthProvidersDocument,
  RefreshSessionDocument,
  SignupDocument,
  StartOAuthDocument,
  UnlinkIdentityDocument,
  ViewerIdentitiesDocument,
} from '../graphql/generated/graphql';

/**
 * Provider sign-in over HTTP with the real client: a real OpenID Provider (oidc-provider, in-process, PKCE
 * required) as `google` and as the generic `acme`, a GitHub stand-in, and a cookie-keeping simulated browser.
 */
const PUBLIC_URL = 'http://warden.test';
const APP = 'http://app.test';
const CALLBACK = `${APP}/oauth/callback`;

describe('provider sign-in (OpenID Provider, GitHub stand-in)', () => {
  const clock = new TestClock();
  let t: TestApp;
  let op: FakeOp;
  let op2: FakeOp;
  let gh: FakeGitHub;

  beforeAll(async () => {
    op = await startOidcOp({
      clients: [
        // Also registered for the acme callback, so that the issuer mix-up below reaches Warden.
        { client_id: 'warden', client_secret: 'google-secret', redirect_uris: [`${PUBLIC_URL}/oauth/callback/google`, `${PUBLIC_URL}/oauth/callback/acme`] },
      ],
      accounts: {},
    });
    op2 = await startOidcOp({
      clients: [{ client_id: 'warden', client_secret: 'acme-secret', redirect_uris: [`${PUBLIC_URL}/oauth/callback/acme`] }],
      accounts: {},
      conformIdTokenClaims: true, // email only from userinfo
    });
    gh = await startFakeGitHub({ clients: { 'gh-client': { secret: 'gh-secret', redirectUri: `${PUBLIC_URL}/oauth/callback/github` } }, users: {} });
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        PUBLIC_URL,
        OAUTH_GOOGLE_CLIENT_ID: 'warden',
        OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret',
        OAUTH_GOOGLE_ISSUER: op.issuer,
        OAUTH_OIDC_ACME_ISSUER: op2.issuer,
        OAUTH_OIDC_ACME_CLIENT_ID: 'warden',
        OAUTH_OIDC_ACME_CLIENT_SECRET: 'acme-secret',
        OAUTH_OIDC_ACME_NAME: 'Acme ID',
        // Trusted for email, so that its sign-up below gives the account the address from userinfo (an untrusted
        // generic provider's account gets none: test/flows/secrev-oauth.test.ts, F18).
        OAUTH_OIDC_ACME_TRUST_EMAIL: 'true',
        OAUTH_GITHUB_CLIENT_ID: 'gh-client',
        OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret',
        OAUTH_GITHUB_URL: gh.url,
        OAUTH_GITHUB_API_URL: gh.url,
        // A provider that is down (nothing listens on port 1).
        OAUTH_OIDC_DOWN_ISSUER: 'http://127.0.0.1:1',
        OAUTH_OIDC_DOWN_CLIENT_ID: 'warden',
        OAUTH_OIDC_DOWN_CLIENT_SECRET: 'down-secret',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await op?.close();
    await op2?.close();
    await gh?.close();
  });
  beforeEach(() => {
    op.tamper = null;
    op.deny = false;
    op2.tamper = null;
    gh.deny = false;
    gh.failToken = false;
  });

  const browser = () => new OAuthBrowser(PUBLIC_URL, t.url, [APP, 'https://admin.app.test']);

  /** A provider account with a fresh subject and email; signs in as it from now on. */
  function opAccount(o: FakeOp, email = uniqueEmail('op'), emailVerified = true): { sub: string; email: string } {
    const sub = `sub-${randomBytes(6).toString('hex')}`;
    o.accounts.set(sub, { email, email_verified: emailVerified, name: 'Ada Lovelace' });
    o.loginAs = sub;
    return { sub, email };
  }

  function ghAccount(email = uniqueEmail('gh'), verified = true): { id: number; email: string } {
    const id = 1000 + Math.floor(Math.random() * 1e9);
    const login = `octo${id}`;
    gh.users.set(login, { id, login, name: 'Octo Cat', emails: [{ email, primary: true, verified }] });
    gh.loginAs = login;
    return { id, email };
  }

  // PKCE is required (F7): start() sends a fresh challenge unless the test gives its own, and complete() sends
  // the verifier of the flow a code came from unless the test gives one.
  const verifierOfState = new Map<string, string>();
  const verifierOfCode = new Map<string, string>();
  const stateOf = (authorizationUrl: string) => new URL(authorizationUrl).searchParams.get('state')!;

  async function start(client: WardenClient, provider: string, extra: { redirectTo?: string; codeChallenge?: string } = {}) {
    const pkce = pkcePair();
    const { startOAuth } = await client.request(StartOAuthDocument, {
      input: { provider, redirectTo: extra.redirectTo ?? CALLBACK, codeChallenge: extra.codeChallenge ?? pkce.codeChallenge },
    });
    if (!extra.codeChallenge) verifierOfState.set(stateOf(startOAuth.authorizationUrl), pkce.codeVerifier);
    return startOAuth;
  }

  /** linkOAuth with a fresh PKCE pair; complete() then finds the verifier of the code the browser lands with. */
  async function link(client: WardenClient, provider = 'google') {
    const pkce = pkcePair();
    const { linkOAuth } = await client.request(LinkOAuthDocument, { input: { provider, redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });
    verifierOfState.set(stateOf(linkOAuth.authorizationUrl), pkce.codeVerifier);
    return linkOAuth;
  }

  /** The browser's navigation of a flow; remembers which verifier the code it lands with needs. */
  async function follow(b: OAuthBrowser, authorizationUrl: string | URL, intercept?: Parameters<OAuthBrowser['navigate']>[1]): Promise<Landing> {
    const landing = await b.navigate(authorizationUrl, intercept);
    const state = new URL(authorizationUrl).searchParams.get('state');
    const verifier = state ? verifierOfState.get(state) : undefined;
    const code = landing.kind === 'app' ? landing.url.searchParams.get('code') : null;
    if (code && verifier) verifierOfCode.set(code, verifier);
    return landing;
  }

  /** startOAuth → the browser goes through the gateway, the provider's login and back; answers where it landed. */
  async function signInAt(provider: string, opts: { client?: WardenClient; codeChallenge?: string; intercept?: Parameters<OAuthBrowser['navigate']>[1] } = {}) {
    const client = opts.client ?? t.client();
    const { authorizationUrl } = await start(client, provider, { codeChallenge: opts.codeChallenge });
    const b = browser();
    const landing = await follow(b, authorizationUrl, opts.intercept);
    return { client, landing, browser: b, authorizationUrl, verifier: verifierOfState.get(stateOf(authorizationUrl)) };
  }

  function codeOf(landing: Landing): string {
    expect(landing.kind).toBe('app');
    expect(landing.url.searchParams.get('error')).toBeNull();
    const code = landing.url.searchParams.get('code');
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    return code!;
  }

  function errorOf(landing: Landing): { error: string | null; reason: string | null } {
    expect(landing.kind).toBe('app');
    expect(landing.url.searchParams.get('code')).toBeNull();
    return { error: landing.url.searchParams.get('error'), reason: landing.url.searchParams.get('reason') };
  }

  async function complete(client: WardenClient, code: string, codeVerifier: string | undefined = verifierOfCode.get(code)) {
    const { completeOAuth } = await client.request(CompleteOAuthDocument, { input: { code, codeVerifier } });
    client.accessToken = completeOAuth.accessToken;
    return completeOAuth;
  }

  const count = async (sql: string, params: unknown[]) => Number((await t.app.dataSource.query(sql, params))[0].n);
  const usersWithEmail = (email: string) => count(`SELECT count(*)::int AS n FROM ${t.table('users')} WHERE email = $1`, [email]);
  const identitiesOfSubject = (provider: string, subject: string) =>
    count(`SELECT count(*)::int AS n FROM ${t.table('oauth_identities')} WHERE provider = $1 AND subject = $2`, [provider, subject]);

  test('oauthProviders lists the configured providers', async () => {
    const { oauthProviders } = await t.client().query(OAuthProvidersDocument);
    expect(oauthProviders).toEqual([
      { id: 'google', kind: 'OIDC', name: 'Google' },
      { id: 'github', kind: 'GITHUB', name: 'GitHub' },
      { id: 'acme', kind: 'OIDC', name: 'Acme ID' },
      { id: 'down', kind: 'OIDC', name: 'Down' },
    ]);
  });

  test('a provider that cannot be reached: startOAuth answers OAUTH_FAILED PROVIDER_ERROR and the gateway keeps working', async () => {
    const client = t.client();
    const error = await client.error(start(client, 'down'));
    expect(error).toMatchObject({ code: 'OAUTH_FAILED', extensions: expect.objectContaining({ reason: 'PROVIDER_ERROR' }) });
    opAccount(op);
    expect(codeOf((await signInAt('google')).landing)).toBeTruthy();
  });

  test('Google: sign-up creates a verified, passwordless account; a second sign-in lands on the same user', async () => {
    const account = opAccount(op);
    const first = await signInAt('google');
    expect(first.landing.url.origin + first.landing.url.pathname).toBe(CALLBACK);
    const payload = await complete(first.client, codeOf(first.landing));
    expect(payload.user).toMatchObject({ email: account.email, emailVerified: true, name: 'Ada Lovelace' });
    expect(decodeJwt(payload.accessToken).amr).toEqual(['oauth']);
    expect(first.client.cookies.get('warden_refresh')).toBe(payload.refreshToken);
    const { viewer } = await first.client.query(ViewerIdentitiesDocument);
    expect(viewer).toMatchObject({ hasPassword: false, identities: [{ provider: 'google', email: account.email, emailVerified: true }] });
    expect(viewer!.identities[0]!.lastSignInAt).not.toBeNull();

    const second = await signInAt('google');
    const again = await complete(second.client, codeOf(second.landing));
    expect(again.user.id).toBe(payload.user.id);
    expect(await usersWithEmail(account.email)).toBe(1);
    expect(await identitiesOfSubject('google', account.sub)).toBe(1);
  });

  test('generic OpenID provider (email from userinfo): sign-up and sign-in', async () => {
    const account = opAccount(op2);
    const first = await signInAt('acme');
    const payload = await complete(first.client, codeOf(first.landing));
    expect(payload.user).toMatchObject({ email: account.email, emailVerified: true });
    const second = await signInAt('acme');
    expect((await complete(second.client, codeOf(second.landing))).user.id).toBe(payload.user.id);
  });

  test('GitHub: user from /user, verified primary email from /user/emails; second sign-in same user; unverified email refused', async () => {
    const account = ghAccount();
    const first = await signInAt('github');
    const payload = await complete(first.client, codeOf(first.landing));
    expect(payload.user).toMatchObject({ email: account.email, emailVerified: true, name: 'Octo Cat' });
    expect(await identitiesOfSubject('github', String(account.id))).toBe(1);
    const second = await signInAt('github');
    expect((await complete(second.client, codeOf(second.landing))).user.id).toBe(payload.user.id);

    const unverified = ghAccount(uniqueEmail('gh-unverified'), false);
    const refused = await signInAt('github');
    expect(errorOf(refused.landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'EMAIL_NOT_VERIFIED' });
    expect(await usersWithEmail(unverified.email)).toBe(0);
  });

  test('link and unlink: a password account links Google (another email), lists it, unlinks it; the last way in is kept', async () => {
    const owner = t.client();
    const signedUp = await signUpAndVerify(t, owner);
    const account = opAccount(op, uniqueEmail('other-address'));
    const linkOAuth = await link(owner);
    const linked = await follow(browser(), linkOAuth.authorizationUrl);
    const payload = await complete(owner, codeOf(linked));
    expect(payload.user.id).toBe(signedUp.user.id);
    expect(payload.user.email).toBe(signedUp.user.email); // the account's own email is untouched
    const { viewer } = await owner.query(ViewerIdentitiesDocument);
    expect(viewer).toMatchObject({ hasPassword: true, identities: [{ provider: 'google', email: account.email }] });

    // Signing in with Google now lands on the password account.
    const viaGoogle = await signInAt('google');
    expect((await complete(viaGoogle.client, codeOf(viaGoogle.landing))).user.id).toBe(signedUp.user.id);

    // Another user cannot link the same Google account.
    const other = t.client();
    await signUpAndVerify(t, other);
    const otherLink = await link(other);
    expect(errorOf(await browser().navigate(otherLink.authorizationUrl))).toEqual({ error: 'IDENTITY_ALREADY_LINKED', reason: null });

    const { unlinkIdentity } = await owner.request(UnlinkIdentityDocument, { id: viewer!.identities[0]!.id });
    expect(unlinkIdentity.identities).toEqual([]);

    // A provider-only account whose email is not (or no longer) verified: its one identity is the last way in.
    const solo = opAccount(op);
    const signIn = await signInAt('google');
    const soloPayload = await complete(signIn.client, codeOf(signIn.landing));
    const identities = (await signIn.client.query(ViewerIdentitiesDocument)).viewer!.identities;
    await t.app.dataSource.query(`UPDATE ${t.table('users')} SET email_verified = false WHERE id = $1`, [soloPayload.user.id]);
    expect((await signIn.client.error(signIn.client.request(UnlinkIdentityDocument, { id: identities[0]!.id }))).code).toBe('LAST_SIGN_IN_METHOD');
    expect(await identitiesOfSubject('google', solo.sub)).toBe(1);
    // Someone else's identity id: refused as unknown.
    expect((await owner.error(owner.request(UnlinkIdentityDocument, { id: identities[0]!.id }))).code).toBe('BAD_USER_INPUT');

    const events = await t.app.dataSource.query(`SELECT DISTINCT event FROM ${t.table('audit_events')} WHERE user_id = $1`, [signedUp.user.id]);
    expect(events.map((e: { event: string }) => e.event)).toEqual(expect.arrayContaining(['identity.linked', 'identity.unlinked', 'oauth.completed']));
  });

  test('linkOAuth needs a signed-in session that authenticated recently', async () => {
    const anonymous = t.client();
    expect((await anonymous.error(anonymous.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK } }))).code).toBe('UNAUTHENTICATED');
    const owner = t.client();
    await signUpAndVerify(t, owner);
    clock.advance(3600);
    try {
      // A fresh access token for the same session (refresh is no re-authentication).
      const { refreshSession } = await owner.request(RefreshSessionDocument, {});
      owner.accessToken = refreshSession.accessToken;
      const error = await owner.error(owner.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK } }));
      expect(error.code).toBe('REAUTHENTICATION_REQUIRED');
    } finally {
      clock.advance(-3600);
    }
  });

  test('wrong state and replayed state are refused (INVALID_STATE), nothing is created', async () => {
    const account = opAccount(op);
    let callback: URL | null = null;
    const {
      client,
      landing,
      browser: b,
    } = await signInAt('google', {
      intercept: (url) => {
        if (url.pathname === '/oauth/callback/google') callback = new URL(url);
      },
    });
    await complete(client, codeOf(landing));
    // Replayed: the same callback again, in the same browser.
    const replay = await b.navigate(callback!);
    expect(replay).toMatchObject({ kind: 'page', status: 400 });
    expect((replay as { body: string }).body).toContain('INVALID_STATE');
    // Wrong state: a state Warden never issued.
    const forged = new URL(callback!);
    forged.searchParams.set('state', randomBytes(32).toString('base64url'));
    expect(await b.navigate(forged)).toMatchObject({ kind: 'page', status: 400 });
    expect(await usersWithEmail(account.email)).toBe(1);
    const failures = await count(
      `SELECT count(*)::int AS n FROM ${t.table('audit_events')} WHERE event = 'oauth.failed' AND data->>'reason' = 'INVALID_STATE'`,
      [],
    );
    expect(failures).toBeGreaterThanOrEqual(2);
  });

  test('an expired flow (Warden clock past OAUTH_FLOW_TTL_SECONDS) is refused at the callback', async () => {
    const account = opAccount(op);
    let advanced = false;
    try {
      const { landing } = await signInAt('google', {
        intercept: (url) => {
          if (url.pathname === '/oauth/callback/google' && !advanced) {
            clock.advance(601);
            advanced = true;
          }
        },
      });
      expect(errorOf(landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'INVALID_STATE' });
    } finally {
      if (advanced) clock.advance(-601);
    }
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  test('a callback opened in another browser (login CSRF) is refused', async () => {
    const account = opAccount(op);
    let callback: URL | null = null;
    const { landing } = await signInAt('google', {
      intercept: (url) => {
        if (url.pathname !== '/oauth/callback/google') return;
        callback = new URL(url);
        return 'stop';
      },
    });
    expect(landing.kind).toBe('page');
    const victim = browser();
    expect(errorOf(await victim.navigate(callback!))).toEqual({ error: 'OAUTH_FAILED', reason: 'INVALID_STATE' });
    expect(await usersWithEmail(account.email)).toBe(0);
    // The flow was spent: the attacker's own browser cannot use it afterwards either.
  });

  test('authorizationUrl binds the flow to the first browser that opens it; a second browser is refused', async () => {
    opAccount(op);
    const client = t.client();
    const { authorizationUrl } = await start(client, 'google');
    const first = browser();
    const reachedProvider = await first.navigate(authorizationUrl, (url) => (url.origin === op.issuer ? 'stop' : undefined));
    expect(reachedProvider.url.origin).toBe(op.issuer);
    expect(first.jar.names().some((n) => n.startsWith('warden_oauth_browser@'))).toBe(true);
    expect(await browser().navigate(authorizationUrl)).toMatchObject({ kind: 'page', status: 400 });
    // The first browser may open it again (a reload) and finish.
    expect(codeOf(await first.navigate(authorizationUrl))).toBeTruthy();
  });

  test('a callback on another provider’s route is INVALID_STATE', async () => {
    opAccount(op);
    const { landing } = await signInAt('google', {
      intercept: (url) => (url.pathname === '/oauth/callback/google' ? new URL(`/oauth/callback/acme${url.search}`, url) : undefined),
    });
    expect(errorOf(landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'INVALID_STATE' });
  });

  test('native apps: codeChallenge then completeOAuth needs the matching codeVerifier; a wrong one spends the code', async () => {
    opAccount(op);
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const first = await signInAt('google', { codeChallenge: challenge });
    const code = codeOf(first.landing);
    const wrong = await first.client.error(complete(first.client, code, randomBytes(32).toString('base64url')));
    expect(wrong).toMatchObject({ code: 'OAUTH_FAILED', extensions: expect.objectContaining({ reason: 'INVALID_STATE' }) });
    expect((await first.client.error(complete(first.client, code, verifier))).code).toBe('OAUTH_FAILED');

    const second = await signInAt('google', { codeChallenge: challenge });
    const secondCode = codeOf(second.landing);
    expect((await second.client.error(complete(second.client, secondCode))).code).toBe('OAUTH_FAILED');
    const third = await signInAt('google', { codeChallenge: challenge });
    expect((await complete(third.client, codeOf(third.landing), verifier)).accessToken).toBeTruthy();
  });

  test.each(['google', 'github'])('%s: a code issued for another PKCE challenge fails the token exchange (PROVIDER_ERROR)', async (provider) => {
    const email = provider === 'google' ? opAccount(op).email : ghAccount().email;
    const otherChallenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    const { landing } = await signInAt(provider, {
      intercept: (url) => {
        if (!url.searchParams.has('code_challenge') || url.origin === PUBLIC_URL) return;
        const changed = new URL(url);
        changed.searchParams.set('code_challenge', otherChallenge); // as if the code came from an attacker's flow
        return changed;
      },
    });
    expect(errorOf(landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'PROVIDER_ERROR' });
    expect(await usersWithEmail(email)).toBe(0);
  });

  test('two callbacks racing for the same new provider account create one user and one identity', async () => {
    const account = opAccount(op);
    const stopAtCallback = async () => {
      let callback: URL | null = null;
      const run = await signInAt('google', {
        intercept: (url) => {
          if (url.pathname !== '/oauth/callback/google') return;
          callback = new URL(url);
          return 'stop';
        },
      });
      return { browser: run.browser, client: run.client, callback: callback!, verifier: run.verifier };
    };
    const [a, b] = [await stopAtCallback(), await stopAtCallback()];
    const [la, lb] = await Promise.all([a.browser.navigate(a.callback), b.browser.navigate(b.callback)]);
    const [pa, pb] = [await complete(a.client, codeOf(la), a.verifier), await complete(b.client, codeOf(lb), b.verifier)];
    expect(pa.user.id).toBe(pb.user.id);
    expect(await usersWithEmail(account.email)).toBe(1);
    expect(await identitiesOfSubject('google', account.sub)).toBe(1);
  });

  test('a Warden code raced by two completeOAuth gives exactly one session; a replay is refused', async () => {
    opAccount(op);
    const { landing } = await signInAt('google');
    const code = codeOf(landing);
    const [a, b] = [t.client(), t.client()];
    const results = await Promise.allSettled([complete(a, code), complete(b, code)]);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const userId = (won[0] as PromiseFulfilledResult<{ user: { id: string } }>).value.user.id;
    expect(await count(`SELECT count(*)::int AS n FROM ${t.table('sessions')} WHERE user_id = $1`, [userId])).toBe(1);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(String(loser.reason)).toContain('OAUTH_FAILED');
    expect((await a.error(complete(t.client(), code))).code).toBe('OAUTH_FAILED');
  });

  test.each<[string, Tamper]>([
    ['wrong nonce', 'wrong-nonce'],
    ['wrong audience', 'wrong-aud'],
    ['expired', 'expired'],
    ['alg: none', 'alg-none'],
    ['signed by another key', 'other-key'],
    ['wrong issuer', 'wrong-iss'],
  ])('an ID token with %s is refused (PROVIDER_ERROR), nothing is created', async (_name, tamper) => {
    const account = opAccount(op);
    op.tamper = tamper;
    const { landing } = await signInAt('google');
    expect(errorOf(landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'PROVIDER_ERROR' });
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  test('the nonce rewritten in the authorization request is caught in the ID token', async () => {
    const account = opAccount(op);
    const { landing } = await signInAt('google', {
      intercept: (url) => {
        if (url.origin !== op.issuer || !url.searchParams.has('nonce')) return;
        const changed = new URL(url);
        changed.searchParams.set('nonce', 'attacker-nonce');
        return changed;
      },
    });
    expect(errorOf(landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'PROVIDER_ERROR' });
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  test('issuer mix-up: a flow started with acme answered by google’s provider is refused', async () => {
    const account = opAccount(op);
    const { landing } = await signInAt('acme', {
      intercept: (url) => (url.origin === op2.issuer && url.pathname === '/auth' ? new URL(url.pathname + url.search, op.issuer) : undefined),
    });
    expect(errorOf(landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'PROVIDER_ERROR' });
    expect(await usersWithEmail(account.email)).toBe(0);
  });

  test('the provider’s token endpoint answering 500 is PROVIDER_ERROR (OpenID and GitHub); a denial is ACCESS_DENIED', async () => {
    const account = opAccount(op);
    op.tamper = 'token-500';
    expect(errorOf((await signInAt('google')).landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'PROVIDER_ERROR' });
    op.tamper = null;
    ghAccount();
    gh.failToken = true;
    expect(errorOf((await signInAt('github')).landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'PROVIDER_ERROR' });
    gh.failToken = false;
    op.deny = true;
    expect(errorOf((await signInAt('google')).landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'ACCESS_DENIED' });
    gh.deny = true;
    expect(errorOf((await signInAt('github')).landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'ACCESS_DENIED' });
    expect(await usersWithEmail(account.email)).toBe(0);
    const failed = await t.app.dataSource.query(
      `SELECT data FROM ${t.table('audit_events')} WHERE event = 'oauth.failed' AND data->>'reason' = 'PROVIDER_ERROR'`,
    );
    expect(failed.length).toBeGreaterThan(0);
  });

  test('an unverified provider email never links to an existing account (EMAIL_NOT_VERIFIED) nor creates one', async () => {
    const owner = t.client();
    const existing = await signUpAndVerify(t, owner);
    const account = opAccount(op, existing.user.email!, false);
    expect(errorOf((await signInAt('google')).landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'EMAIL_NOT_VERIFIED' });
    expect(await identitiesOfSubject('google', account.sub)).toBe(0);
    const fresh = opAccount(op, uniqueEmail('unverified-new'), false);
    expect(errorOf((await signInAt('google')).landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'EMAIL_NOT_VERIFIED' });
    expect(await usersWithEmail(fresh.email)).toBe(0);
  });

  test('a verified provider email links to an existing verified account', async () => {
    const owner = t.client();
    const existing = await signUpAndVerify(t, owner);
    opAccount(op, existing.user.email!, true);
    const { client, landing } = await signInAt('google');
    const payload = await complete(client, codeOf(landing));
    expect(payload.user.id).toBe(existing.user.id);
    expect((await client.query(ViewerIdentitiesDocument)).viewer).toMatchObject({ hasPassword: true, identities: [{ provider: 'google' }] });
  });

  test('pre-registration takeover: the unverified account is claimed, its password dropped and its sessions ended', async () => {
    const email = uniqueEmail('victim');
    const squatter = t.client();
    await squatter.request(SignupDocument, { input: { email, password: PASSWORD } });
    const [row] = await t.app.dataSource.query(`SELECT id FROM ${t.table('users')} WHERE email = $1`, [email]);
    // A session the squatter holds on the unverified account (whatever way it was obtained).
    await t.app.dataSource.query(
      `INSERT INTO ${t.table('sessions')} (id, user_id, last_used_at, expires_at, aal, amr, last_authenticated_at) VALUES (gen_random_uuid(), $1, now(), now() + interval '1 day', 'aal1', '{pwd}', now())`,
      [row.id],
    );
    opAccount(op, email, true);
    const { client, landing } = await signInAt('google');
    const payload = await complete(client, codeOf(landing));
    expect(payload.user).toMatchObject({ id: row.id, email, emailVerified: true });
    expect((await client.query(ViewerIdentitiesDocument)).viewer!.hasPassword).toBe(false);
    const live = await count(`SELECT count(*)::int AS n FROM ${t.table('sessions')} WHERE user_id = $1 AND revoked_at IS NULL`, [row.id]);
    expect(live).toBe(1); // only the provider sign-in's own session
    expect((await squatter.error(squatter.request(LoginDocument, { input: { email, password: PASSWORD } }))).code).toBe('INVALID_CREDENTIALS');
  });

  test.each([
    '//evil.example/cb',
    'https://app.test.evil.example/cb',
    'http://app.test.evil.example/cb',
    'http://app.test@evil.example/cb',
    'http://evil.example@app.test/cb',
    'http://evil.example\\@app.test/cb',
    'javascript:alert(1)//http://app.test',
    'data:text/html,http://app.test',
    'ftp://app.test/cb',
    'https://app.test/cb',
    'http://app.test:8080/cb',
    '/oauth/callback',
    'http://APP.test.:80@evil.example/',
  ])('open redirect: redirectTo %s is refused', async (redirectTo) => {
    const client = t.client();
    const error = await client.error(start(client, 'google', { redirectTo }));
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', extensions: expect.objectContaining({ field: 'redirectTo' }) });
  });

  test('allowed origins pass; an unconfigured provider is BAD_USER_INPUT; the callback URL is PUBLIC_URL', async () => {
    const client = t.client();
    const { authorizationUrl, expiresAt } = await start(client, 'google', { redirectTo: 'https://admin.app.test/after?x=1' });
    expect(authorizationUrl.startsWith(`${PUBLIC_URL}/oauth/start?state=`)).toBe(true);
    expect(new Date(expiresAt).getTime() - clock.now().getTime()).toBeGreaterThan(590_000);
    let providerUrl: URL | null = null;
    await browser().navigate(authorizationUrl, (url) => {
      if (url.origin !== op.issuer) return;
      providerUrl = new URL(url);
      return 'stop';
    });
    expect(providerUrl!.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/callback/google`);
    expect(providerUrl!.searchParams.get('code_challenge_method')).toBe('S256');
    expect(providerUrl!.searchParams.get('nonce')).toBeTruthy();
    for (const provider of ['facebook', 'GOOGLE', '']) {
      expect((await client.error(start(client, provider))).code).toBe('BAD_USER_INPUT');
    }
  });
});
