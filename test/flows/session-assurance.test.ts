import { SignJWT, importPKCS8 } from 'jose';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { LogoutAllDocument, LogoutDocument, RefreshSessionDocument, ViewerBasicDocument, ViewerSessionAssuranceDocument } from '../graphql/generated/graphql';

const clock = new TestClock();
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());

describe('sessions (issue 9): logout with a bad bearer, one chain within the reuse interval, sign-in ends the older cookie session, assurance claims', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { REFRESH_REUSE_INTERVAL: '10', ACCESS_TOKEN_AUDIENCE: 'https://api.example.test' } });
  });
  afterAll(() => t.close());

  const revokedAt = async (sessionId: string) =>
    (await t.app.dataSource.query(`SELECT revoked_at FROM ${t.table('sessions')} WHERE id = $1`, [sessionId]))[0]?.revoked_at ?? null;

  test('logout with an expired bearer still ends the cookie session and clears the cookie', async () => {
    const browser = t.client();
    const first = await signUpAndVerify(t, browser);
    const sid = claimsOf(first.accessToken).sid;
    clock.advance(15 * 60 + 1);
    try {
      expect((await browser.error(browser.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
      expect((await browser.request(LogoutDocument)).logout).toBe(true);
      expect(browser.cookies.has('warden_refresh')).toBe(false);
      expect(await revokedAt(sid)).not.toBeNull();
      expect((await t.client().error(t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken }))).code).toBe('INVALID_TOKEN');
    } finally {
      clock.advance(-(15 * 60 + 1));
    }
  });

  test('logout with a revoked bearer still ends the cookie session and clears the cookie', async () => {
    const email = uniqueEmail('revoked');
    const other = t.client();
    await signUpAndVerify(t, other, email);
    const browser = t.client();
    const payload = await logIn(t, browser, email);
    // logoutAll from the other device revokes every session; the browser then holds a session re-created below.
    expect((await other.request(LogoutAllDocument)).logoutAll).toBe(2);
    const again = await logIn(t, t.client(), email); // a live session whose cookie we give to the browser
    browser.cookies.set('warden_refresh', again.refreshToken);
    expect(browser.accessToken).toBe(payload.accessToken); // revoked bearer
    expect((await browser.request(LogoutDocument)).logout).toBe(true);
    expect(browser.cookies.has('warden_refresh')).toBe(false);
    expect(await revokedAt(claimsOf(again.accessToken).sid)).not.toBeNull();
  });

  test('logout with a bad bearer and no cookie answers false, not an error', async () => {
    const client = t.client();
    client.accessToken = 'not-a-token';
    expect((await client.request(LogoutDocument)).logout).toBe(false);
  });

  test('a rotated token presented twice within the interval continues one chain; later reuse still revokes it', async () => {
    const first = await signUpAndVerify(t, t.client());
    const sid = claimsOf(first.accessToken).sid;
    const a = (await t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken })).refreshSession;
    const b = (await t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken })).refreshSession;
    // Same session (chain), and the second answer took the place of the first: one live token per session.
    expect(claimsOf(a.accessToken).sid).toBe(sid);
    expect(claimsOf(b.accessToken).sid).toBe(sid);
    const live = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('refresh_tokens')} WHERE session_id = $1 AND rotated_at IS NULL`, [
      sid,
    ]);
    expect(live[0].n).toBe(1);
    clock.advance(11);
    try {
      // The first successor was rotated out by the second presentation: after the interval it is reuse.
      expect((await t.client().error(t.client().request(RefreshSessionDocument, { refreshToken: a.refreshToken }))).code).toBe('INVALID_TOKEN');
      expect(await revokedAt(sid)).not.toBeNull();
      expect((await t.client().error(t.client().request(RefreshSessionDocument, { refreshToken: b.refreshToken }))).code).toBe('INVALID_TOKEN');
    } finally {
      clock.advance(-11);
    }
  });

  test('a new sign-in that receives a live warden_refresh cookie ends that older session', async () => {
    const email = uniqueEmail('again');
    const browser = t.client();
    const first = await signUpAndVerify(t, browser, email);
    const oldSid = claimsOf(first.accessToken).sid;
    const second = await logIn(t, browser, email);
    expect(claimsOf(second.accessToken).sid).not.toBe(oldSid);
    expect(await revokedAt(oldSid)).not.toBeNull();
    expect(await revokedAt(claimsOf(second.accessToken).sid)).toBeNull();
    expect((await t.client().error(t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken }))).code).toBe('INVALID_TOKEN');
    // A sign-in from another browser (no cookie) leaves the first browser's session alone.
    await logIn(t, t.client(), email);
    expect(await revokedAt(claimsOf(second.accessToken).sid)).toBeNull();
  });

  test('access tokens carry aud, auth_time, amr and aal; refresh keeps auth_time; Session shows the assurance', async () => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client);
    const claims = claimsOf(payload.accessToken);
    expect(claims).toMatchObject({ aud: 'https://api.example.test', amr: ['otp', 'email'], aal: 'aal1' });
    expect(typeof claims.auth_time).toBe('number');
    expect(Math.abs(claims.auth_time - claims.iat)).toBeLessThanOrEqual(1);
    clock.advance(60);
    try {
      const { refreshSession } = await t.client().request(RefreshSessionDocument, { refreshToken: payload.refreshToken });
      expect(claimsOf(refreshSession.accessToken).auth_time).toBe(claims.auth_time);
      expect(claimsOf(refreshSession.accessToken).iat).toBeGreaterThan(claims.auth_time);
    } finally {
      clock.advance(-60);
    }
    const { viewer } = await client.query(ViewerSessionAssuranceDocument);
    const current = viewer!.sessions.find((s) => s.current)!;
    expect(current.authenticatorAssuranceLevel).toBe('aal1');
    expect(Math.floor(new Date(current.lastAuthenticatedAt).getTime() / 1000)).toBe(claims.auth_time);
  });

  test('a token signed with our key for another audience is UNAUTHENTICATED', async () => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client);
    const claims = claimsOf(payload.accessToken);
    const header = JSON.parse(Buffer.from(payload.accessToken.split('.')[0]!, 'base64url').toString());
    const key = await importPKCS8(t.env.JWT_PRIVATE_KEY!, header.alg);
    const forged = await new SignJWT({ ...claims, aud: 'https://other.example.test', jti: randomUUID() })
      .setProtectedHeader({ alg: header.alg, kid: header.kid, typ: 'at+jwt' })
      .sign(key);
    client.accessToken = forged;
    expect((await client.error(client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
    // The same claims with the right audience pass: the audience is what was refused.
    client.accessToken = await new SignJWT({ ...claims, jti: randomUUID() }).setProtectedHeader({ alg: header.alg, kid: header.kid, typ: 'at+jwt' }).sign(key);
    expect((await client.query(ViewerBasicDocument)).viewer?.id).toBe(payload.user.id);
  });
});
