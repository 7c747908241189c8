import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { startOidcOp, type FakeOp } from '../support/oidc-provider';
import { OAuthBrowser, pkcePair, type Landing } from '../support/oauth-browser';
import { logIn, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import type { WardenClient } from '../support/graphql-client';
import { codeFrom } from '../support/smtp-inbox';
import {
  CompleteOAuthDocument,
  LinkOAuthDocument,
  LogoutAllDocument,
  RefreshSessionDocument,
  RequestEmailChangeDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  RevokeSessionDocument,
  StartOAuthDocument,
  UnlinkIdentityDocument,
  ViewerBasicDocument,
  ViewerIdentitiesDocument,
  VerifyOtpDocument,
} from '../graphql/generated/graphql';

/**
 * Security review, provider sign-in and linked identities (F1, F2 link part, F5 provider part, F7, F9, F17
 * provider part, F18). One OpenID Provider plays `google` (trusted for email), the generic `acme` (not trusted:
 * no OAUTH_OIDC_ACME_TRUST_EMAIL) and the generic `trusty` (OAUTH_OIDC_TRUSTY_TRUST_EMAIL=true).
 */
jest.setTimeout(120_000);
const PUBLIC_URL = 'http://warden.test';
const APP = 'http://app.test';
const CALLBACK = `${APP}/oauth/callback`;

describe('security review: provider sign-in and linked identities', () => {
  const clock = new TestClock();
  let t: TestApp;
  let op: FakeOp;

  beforeAll(async () => {
    op = await startOidcOp({
      clients: [
        {
          client_id: 'warden',
          client_secret: 'op-secret',
          redirect_uris: ['google', 'acme', 'trusty'].map((id) => `${PUBLIC_URL}/oauth/callback/${id}`),
        },
      ],
      accounts: {},
    });
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        PUBLIC_URL,
        RATE_LIMIT_SENDS_PER_HOUR: '100',
        OAUTH_GOOGLE_CLIENT_ID: 'warden',
        OAUTH_GOOGLE_CLIENT_SECRET: 'op-secret',
        OAUTH_GOOGLE_ISSUER: op.issuer,
        OAUTH_OIDC_ACME_ISSUER: op.issuer,
        OAUTH_OIDC_ACME_CLIENT_ID: 'warden',
        OAUTH_OIDC_ACME_CLIENT_SECRET: 'op-secret',
        OAUTH_OIDC_TRUSTY_ISSUER: op.issuer,
        OAUTH_OIDC_TRUSTY_CLIENT_ID: 'warden',
        OAUTH_OIDC_TRUSTY_CLIENT_SECRET: 'op-secret',
        OAUTH_OIDC_TRUSTY_TRUST_EMAIL: 'true',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await op?.close();
  });

  const browser = () => new OAuthBrowser(PUBLIC_URL, t.url, [APP]);

  /** A provider account with a fresh subject; the provider signs in as it from now on. */
  function providerAccount(email = uniqueEmail('op'), name = 'Ada Lovelace'): { sub: string; email: string } {
    const sub = `sub-${randomBytes(6).toString('hex')}`;
    op.accounts.set(sub, { email, email_verified: true, name });
    op.loginAs = sub;
    return { sub, email };
  }

  function codeOf(landing: Landing): string {
    expect(landing.kind).toBe('app');
    const url = (landing as { url: URL }).url;
    expect(url.searchParams.get('error')).toBeNull();
    return url.searchParams.get('code')!;
  }

  function errorOf(landing: Landing): { error: string | null; reason: string | null; code: string | null } {
    expect(landing.kind).toBe('app');
    const url = (landing as { url: URL }).url;
    return { error: url.searchParams.get('error'), reason: url.searchParams.get('reason'), code: url.searchParams.get('code') };
  }

  /** startOAuth with PKCE → the browser through the gateway and the provider → completeOAuth with the verifier. */
  async function providerSignIn(provider = 'google', client = t.client()) {
    const pkce = pkcePair();
    const { startOAuth } = await client.request(StartOAuthDocument, { input: { provider, redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });
    const landing = await browser().navigate(startOAuth.authorizationUrl);
    return { client, landing, pkce };
  }

  async function identityEmails(client: WardenClient): Promise<(string | null)[]> {
    return (await client.query(ViewerIdentitiesDocument)).viewer!.identities.map((i) => i.email);
  }

  async function identitiesOfSubject(sub: string): Promise<number> {
    const rows = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('oauth_identities')} WHERE subject = $1`, [sub]);
    return rows[0].n as number;
  }

  test("F1: a victim who opens the attacker's linkOAuth URL links nothing and signs into nothing", async () => {
    const attacker = t.client();
    const attackerUser = (await signUpAndVerify(t, attacker, uniqueEmail('linkattacker'))).user;
    const pkce = pkcePair();
    const { linkOAuth } = await attacker.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });

    // The victim is signed in at Google in their own browser and opens the link the attacker sent.
    const victimGoogle = providerAccount(uniqueEmail('victim'));
    const landing = await browser().navigate(linkOAuth.authorizationUrl);
    expect(landing.kind).toBe('app');
    expect(await identitiesOfSubject(victimGoogle.sub)).toBe(0);
    expect(await identityEmails(attacker)).toEqual([]);

    // Whatever the victim's app does with what it received, it is signed into nothing and links nothing:
    // it holds neither the attacker's bearer nor the attacker's verifier.
    const code = errorOf(landing).code;
    if (code) {
      const victimApp = t.client();
      expect((await victimApp.error(victimApp.request(CompleteOAuthDocument, { input: { code } }))).code).toBe('OAUTH_FAILED');
    }
    expect(await identitiesOfSubject(victimGoogle.sub)).toBe(0);
    expect(await identityEmails(attacker)).toEqual([]);

    // "Sign in with Google" by the victim later makes the victim's own account, never the attacker's.
    const later = await providerSignIn('google');
    const { completeOAuth } = await later.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(later.landing), codeVerifier: later.pkce.codeVerifier },
    });
    expect(completeOAuth.user.id).not.toBe(attackerUser.id);
    expect(completeOAuth.user.email).toBe(victimGoogle.email);
  });

  test('F1: a link completes only at completeOAuth, on the bearer of the session that called linkOAuth (and answers that session)', async () => {
    const owner = t.client();
    const ownerUser = (await signUpAndVerify(t, owner, uniqueEmail('linkowner'))).user;
    const ownerSid = decodeJwt(owner.accessToken!).sid;
    const account = providerAccount(uniqueEmail('ownergoogle'));
    const pkce = pkcePair();
    const { linkOAuth } = await owner.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });
    const code = codeOf(await browser().navigate(linkOAuth.authorizationUrl));
    // The callback linked nothing yet.
    expect(await identitiesOfSubject(account.sub)).toBe(0);

    // Another signed-in user, even with the right verifier, neither links nor signs in; the code is spent.
    const other = t.client();
    await signUpAndVerify(t, other, uniqueEmail('linkother'));
    expect((await other.error(other.request(CompleteOAuthDocument, { input: { code, codeVerifier: pkce.codeVerifier } }))).code).toBe('OAUTH_FAILED');
    expect(await identitiesOfSubject(account.sub)).toBe(0);

    // The owner starts again and finishes on its own session: same session, the identity listed.
    const again = pkcePair();
    const { linkOAuth: second } = await owner.request(LinkOAuthDocument, {
      input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: again.codeChallenge },
    });
    const code2 = codeOf(await browser().navigate(second.authorizationUrl));
    const { completeOAuth } = await owner.request(CompleteOAuthDocument, { input: { code: code2, codeVerifier: again.codeVerifier } });
    expect(completeOAuth.user.id).toBe(ownerUser.id);
    expect(decodeJwt(completeOAuth.accessToken).sid).toBe(ownerSid);
    owner.accessToken = completeOAuth.accessToken;
    expect(await identityEmails(owner)).toEqual([account.email]);
  });

  test('F2: a linkOAuth flow started on a session revoked since (logoutAll, revokeSession) links nothing', async () => {
    const owner = t.client();
    const email = uniqueEmail('revlink');
    await signUpAndVerify(t, owner, email);
    // The attacker holds the owner's (recent) session and starts a link.
    const attacker = t.client();
    attacker.accessToken = owner.accessToken;
    const pkce = pkcePair();
    const { linkOAuth } = await attacker.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });
    const again = t.client();
    await logIn(t, again, email);
    await again.request(LogoutAllDocument);
    expect((await attacker.error(attacker.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');

    // The attacker finishes the provider leg with their own Google account: refused at the callback.
    const mallory = providerAccount(uniqueEmail('attackergoogle'));
    expect(errorOf(await browser().navigate(linkOAuth.authorizationUrl))).toMatchObject({ error: 'OAUTH_FAILED', reason: 'INVALID_STATE', code: null });
    expect(await identitiesOfSubject(mallory.sub)).toBe(0);

    // Revoked between the callback and completeOAuth: refused at completion too.
    const owner2 = t.client();
    await logIn(t, owner2, email);
    const pkce2 = pkcePair();
    const { linkOAuth: link2 } = await owner2.request(LinkOAuthDocument, {
      input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkce2.codeChallenge },
    });
    const landing = await browser().navigate(link2.authorizationUrl);
    const code = errorOf(landing).code;
    expect(code).toBeTruthy();
    const other = t.client();
    await logIn(t, other, email);
    const sid = decodeJwt(owner2.accessToken!).sid as string;
    await other.request(RevokeSessionDocument, { id: sid });
    const error = await owner2.error(owner2.request(CompleteOAuthDocument, { input: { code: code!, codeVerifier: pkce2.codeVerifier } }));
    expect(['OAUTH_FAILED', 'UNAUTHENTICATED']).toContain(error.code);
    expect(await identitiesOfSubject(mallory.sub)).toBe(0);

    // Signing in with that Google account later does not reach the owner's account.
    const later = await providerSignIn('google');
    const { completeOAuth } = await later.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(later.landing), codeVerifier: later.pkce.codeVerifier },
    });
    expect(completeOAuth.user.email).not.toBe(email);
  });

  test('F2: completeOAuth re-checks the linking session itself: past its absolute end, or revoked where the bearer still verifies, it links nothing', async () => {
    // Both are states where the bearer token still authenticates but the session that started the flow is not
    // live: the session's absolute end (access tokens are not cut at it) and a revocation the revocation list
    // missed (its store lost the entry: only PostgreSQL knows). Only the check at completion can refuse them.
    const sessions = t.table('sessions');
    const ends: [string, (sid: string) => Promise<unknown>][] = [
      ['absolute end', (sid) => t.app.dataSource.query(`UPDATE ${sessions} SET expires_at = $2 WHERE id = $1`, [sid, new Date(clock.now().getTime() + 1000)])],
      [
        'revoked in the database only',
        (sid) => t.app.dataSource.query(`UPDATE ${sessions} SET revoked_at = $2, revoked_reason = 'logout' WHERE id = $1`, [sid, clock.now()]),
      ],
    ];
    for (const [label, end] of ends) {
      const owner = t.client();
      await signUpAndVerify(t, owner, uniqueEmail('livelink'));
      const sid = decodeJwt(owner.accessToken!).sid as string;
      const account = providerAccount(uniqueEmail('livelinkgoogle'));
      const pkce = pkcePair();
      const { linkOAuth } = await owner.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });
      const code = codeOf(await browser().navigate(linkOAuth.authorizationUrl));
      await end(sid);
      clock.advance(5); // past the session's end, well within the Warden code's 60 s and the access token's life
      try {
        // The bearer still authenticates: the viewer's own check lets it through, so completion must refuse.
        expect({ label, viewer: (await owner.query(ViewerBasicDocument)).viewer?.id }).toEqual({ label, viewer: expect.any(String) });
        const error = await owner.error(owner.request(CompleteOAuthDocument, { input: { code, codeVerifier: pkce.codeVerifier } }));
        expect({ label, error: error.code, linked: await identitiesOfSubject(account.sub) }).toEqual({ label, error: 'OAUTH_FAILED', linked: 0 });
      } finally {
        clock.advance(-5);
      }
    }
  });

  test('F5: linking (linkOAuth or auto-link by verified email) and unlinking an identity mail a notice to the account', async () => {
    const owner = t.client();
    const email = uniqueEmail('noticeowner');
    await signUpAndVerify(t, owner, email);
    providerAccount(uniqueEmail('noticegoogle'));
    const pkce = pkcePair();
    const { linkOAuth } = await owner.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });
    const code = codeOf(await browser().navigate(linkOAuth.authorizationUrl));
    const { completeOAuth } = await owner.request(CompleteOAuthDocument, { input: { code, codeVerifier: pkce.codeVerifier } });
    owner.accessToken = completeOAuth.accessToken;
    const linked = await t.inbox.waitForSubject(email, /linked/i);
    expect(linked.text).toContain('Google');

    const [identity] = (await owner.query(ViewerIdentitiesDocument)).viewer!.identities;
    await owner.request(UnlinkIdentityDocument, { id: identity!.id });
    const unlinked = await t.inbox.waitForSubject(email, /unlinked|removed/i);
    expect(unlinked.text).toContain('Google');

    // Auto-link: a Google account with the same verified address signs in and is linked to the account.
    const autoOwner = t.client();
    const autoEmail = uniqueEmail('autolink');
    const autoUser = (await signUpAndVerify(t, autoOwner, autoEmail)).user;
    providerAccount(autoEmail);
    const signIn = await providerSignIn('google');
    const { completeOAuth: auto } = await signIn.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(signIn.landing), codeVerifier: signIn.pkce.codeVerifier },
    });
    expect(auto.user.id).toBe(autoUser.id);
    expect((await t.inbox.waitForSubject(autoEmail, /linked/i)).text).toContain('Google');
  });

  test('F7: startOAuth and linkOAuth refuse a missing codeChallenge; a code redeemed without its verifier signs nobody in', async () => {
    const anyone = t.client();
    const started = await anyone.error(anyone.request(StartOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK } }));
    expect(started).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'codeChallenge' } });
    const owner = t.client();
    await signUpAndVerify(t, owner, uniqueEmail('nopkce'));
    const linked = await owner.error(owner.request(LinkOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK } }));
    expect(linked).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'codeChallenge' } });

    // R5: the attacker's fresh code, injected into the victim's app (which holds no verifier for it).
    providerAccount(uniqueEmail('csrf'));
    const attacker = await providerSignIn('google');
    const code = codeOf(attacker.landing);
    const victimApp = t.client();
    expect((await victimApp.error(victimApp.request(CompleteOAuthDocument, { input: { code } }))).code).toBe('OAUTH_FAILED');
  });

  test('F9: unlinkIdentity needs recent authentication (REAUTHENTICATION_REQUIRED an hour after sign-in)', async () => {
    providerAccount(uniqueEmail('unlink'));
    const signIn = await providerSignIn('google');
    const { completeOAuth } = await signIn.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(signIn.landing), codeVerifier: signIn.pkce.codeVerifier },
    });
    const client = signIn.client;
    client.accessToken = completeOAuth.accessToken;
    const [identity] = (await client.query(ViewerIdentitiesDocument)).viewer!.identities;
    clock.advance(3600);
    try {
      const { refreshSession } = await client.request(RefreshSessionDocument, {});
      client.accessToken = refreshSession.accessToken;
      const error = await client.error(client.request(UnlinkIdentityDocument, { id: identity!.id }));
      expect(error.code).toBe('REAUTHENTICATION_REQUIRED');
      expect((await client.query(ViewerIdentitiesDocument)).viewer!.identities).toHaveLength(1);
    } finally {
      clock.advance(-3600);
    }
  });

  test('F17: a provider name with a NUL or control characters is dropped, the sign-in still succeeds (no 503)', async () => {
    for (const name of ['Ada\u0000Lovelace', 'Ada\u0007Lovelace\u009b']) {
      const account = providerAccount(uniqueEmail('ctrlname'), name);
      const signIn = await providerSignIn('google');
      const { completeOAuth } = await signIn.client.request(CompleteOAuthDocument, {
        input: { code: codeOf(signIn.landing), codeVerifier: signIn.pkce.codeVerifier },
      });
      expect(completeOAuth.user.email).toBe(account.email);
      expect(completeOAuth.user.name).toBeNull();
    }
  });

  test('F17: of browsers racing through GET /oauth/start for one flow, exactly one is sent on to the provider', async () => {
    const pkce = pkcePair();
    const { startOAuth } = await t
      .client()
      .request(StartOAuthDocument, { input: { provider: 'google', redirectTo: CALLBACK, codeChallenge: pkce.codeChallenge } });
    const start = new URL(startOAuth.authorizationUrl);
    const real = new URL(start.pathname + start.search, t.url);
    // A slow store widens the window between reading the flow and binding it, as a loaded Redis would.
    const kv = t.app.kv;
    const get = kv.get.bind(kv);
    kv.get = async (key: string) => {
      const value = await get(key);
      if (key.startsWith('oauth:flow:')) await new Promise((r) => setTimeout(r, 100));
      return value;
    };
    let statuses: number[];
    try {
      statuses = await Promise.all(Array.from({ length: 6 }, () => fetch(real, { redirect: 'manual' }).then(async (r) => (await r.text(), r.status))));
    } finally {
      kv.get = get;
    }
    expect(statuses.filter((s) => s === 302)).toHaveLength(1);
    expect(statuses.filter((s) => s === 400)).toHaveLength(5);
  });

  test("F18: a generic provider's verified email links to an existing account only with OAUTH_OIDC_<ID>_TRUST_EMAIL=true", async () => {
    const owner = t.client();
    const email = uniqueEmail('nauth');
    const ownerUser = (await signUpAndVerify(t, owner, email)).user;

    // acme is not trusted for email: its "verified" claim for the owner's address links nothing.
    const untrusted = providerAccount(email);
    const refused = await providerSignIn('acme');
    expect(errorOf(refused.landing)).toEqual({ error: 'OAUTH_FAILED', reason: 'EMAIL_NOT_VERIFIED', code: null });
    expect(await identitiesOfSubject(untrusted.sub)).toBe(0);
    expect(await identityEmails(owner)).toEqual([]);

    // trusty has OAUTH_OIDC_TRUSTY_TRUST_EMAIL=true: the same claim links, as google's does.
    providerAccount(email);
    const trusted = await providerSignIn('trusty');
    const { completeOAuth } = await trusted.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(trusted.landing), codeVerifier: trusted.pkce.codeVerifier },
    });
    expect(completeOAuth.user.id).toBe(ownerUser.id);
  });

  test('F18: an account an untrusted provider creates gets no email: Google, a LOGIN code and a reset for that address never land in it', async () => {
    // The attacker's acme account claims the victim's address (acme lets users set any email and calls it verified).
    const victim = uniqueEmail('nauthcreate');
    const attackerAcme = providerAccount(victim);
    const signUp = await providerSignIn('acme');
    const { completeOAuth: created } = await signUp.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(signUp.landing), codeVerifier: signUp.pkce.codeVerifier },
    });
    expect(created.user).toMatchObject({ email: null, emailVerified: false });
    const attacker = signUp.client;
    attacker.accessToken = created.accessToken;
    // The provider's address stays on the identity row only.
    expect(await identityEmails(attacker)).toEqual([victim]);

    // The victim's "Sign in with Google" makes the victim's own account, never the attacker's.
    providerAccount(victim);
    const google = await providerSignIn('google');
    const { completeOAuth: own } = await google.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(google.landing), codeVerifier: google.pkce.codeVerifier },
    });
    expect(own.user.id).not.toBe(created.user.id);
    expect(own.user).toMatchObject({ email: victim, emailVerified: true });

    // A LOGIN code and a password reset for the address reach the victim's account only.
    const before = t.inbox.mailsTo(victim).length;
    const device = t.client();
    const { requestOtp } = await device.request(RequestOtpDocument, { input: { email: victim } });
    const loginMail = await t.inbox.waitForMail(victim, before + 1);
    const { verifyOtp } = await device.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(loginMail) } });
    expect(verifyOtp.user.id).toBe(own.user.id);
    const { requestPasswordReset } = await t.client().request(RequestPasswordResetDocument, { input: { email: victim } });
    const resetMail = await t.inbox.waitForMail(victim, before + 2);
    const { resetPassword } = await t.client().request(ResetPasswordDocument, {
      input: { challengeId: requestPasswordReset.challengeId, code: codeFrom(resetMail), newPassword: 'a brand new passphrase 42' },
    });
    expect(resetPassword.user.id).toBe(own.user.id);

    // The attacker's account still signs in with acme, and still has no email.
    op.loginAs = attackerAcme.sub;
    const again = await providerSignIn('acme');
    const { completeOAuth: back } = await again.client.request(CompleteOAuthDocument, {
      input: { code: codeOf(again.landing), codeVerifier: again.pkce.codeVerifier },
    });
    expect(back.user).toMatchObject({ id: created.user.id, email: null });

    // Such an account can add an address it proves, as any other (requestEmailChange, code to the new address).
    again.client.accessToken = back.accessToken;
    const own2 = uniqueEmail('acmeown');
    const { requestEmailChange } = await again.client.request(RequestEmailChangeDocument, { input: { newEmail: own2 } });
    const changeCode = codeFrom(await t.inbox.waitForMail(own2, 1));
    const { verifyOtp: changed } = await t.client().request(VerifyOtpDocument, { input: { challengeId: requestEmailChange.challengeId, code: changeCode } });
    expect(changed.user).toMatchObject({ id: created.user.id, email: own2, emailVerified: true });
  });
});
