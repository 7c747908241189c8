import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import {
  LogoutAllDocument,
  LogoutDocument,
  RefreshSessionDocument,
  RevokeSessionDocument,
  ViewerBasicDocument,
  ViewerDocument,
} from '../graphql/generated/graphql';

const clock = new TestClock();

describe('sessions: refresh rotation, reuse interval and detection, logout, revocation', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { REFRESH_REUSE_INTERVAL: '10' } });
  });
  afterAll(() => t.close());

  test('refreshSession rotates: a new pair each time, and the new access token works', async () => {
    const client = t.client();
    const first = await signUpAndVerify(t, client);
    const { refreshSession } = await client.request(RefreshSessionDocument, { refreshToken: first.refreshToken });
    expect(refreshSession.refreshToken).not.toBe(first.refreshToken);
    expect(refreshSession.accessToken).not.toBe(first.accessToken);
    expect(refreshSession.user.id).toBe(first.user.id);
    client.accessToken = refreshSession.accessToken;
    const { viewer } = await client.query(ViewerBasicDocument);
    expect(viewer?.id).toBe(first.user.id);
  });

  test('a browser refreshes with the warden_refresh cookie alone, and logout clears it', async () => {
    const browser = t.client();
    await signUpAndVerify(t, browser);
    const cookie = browser.cookies.get('warden_refresh');
    expect(cookie).toBeTruthy();
    browser.accessToken = null; // a reload: the access token lived in memory only
    const { refreshSession } = await browser.request(RefreshSessionDocument, {});
    expect(browser.cookies.get('warden_refresh')).toBe(refreshSession.refreshToken);
    browser.accessToken = refreshSession.accessToken;
    expect((await browser.request(LogoutDocument)).logout).toBe(true);
    expect(browser.cookies.has('warden_refresh')).toBe(false);
    const err = await browser.error(browser.query(ViewerBasicDocument));
    expect(err.code).toBe('UNAUTHENTICATED');
  });

  test('the refresh cookie is HttpOnly, SameSite=Lax, Path=/graphql', async () => {
    const client = t.client();
    await signUpAndVerify(t, client);
    const response = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `warden_refresh=${client.cookies.get('warden_refresh')}` },
      body: JSON.stringify({ query: 'mutation { refreshSession { accessToken } }' }),
    });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('warden_refresh='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/graphql/i);
    expect(setCookie).toMatch(/Secure/i); // NODE_ENV=test is not development
  });

  test('two tabs refreshing with the same token within the reuse interval both get valid tokens of the same session', async () => {
    const client = t.client();
    const first = await signUpAndVerify(t, client);
    const [a, b] = await Promise.all([
      t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken }),
      t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken }),
    ]);
    expect(a.refreshSession.refreshToken).not.toBe(b.refreshSession.refreshToken);
    const sid = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sid;
    expect(sid(a.refreshSession.accessToken)).toBe(sid(first.accessToken));
    expect(sid(b.refreshSession.accessToken)).toBe(sid(first.accessToken));
    // Both successors stay usable.
    await t.client().request(RefreshSessionDocument, { refreshToken: a.refreshSession.refreshToken });
    await t.client().request(RefreshSessionDocument, { refreshToken: b.refreshSession.refreshToken });
  });

  test('a session has exactly one live refresh token after every kind of rotation', async () => {
    const liveTokens = async (sessionId: string): Promise<number> => {
      const rows: Array<{ live: string }> = await t.app.dataSource.query(
        `SELECT count(*) AS live FROM ${t.table('refresh_tokens')} WHERE session_id = $1 AND rotated_at IS NULL`,
        [sessionId],
      );
      return Number(rows[0]!.live);
    };
    const sid = (jwt: string): string => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sid;
    const first = await signUpAndVerify(t, t.client());
    const session = sid(first.accessToken);
    expect(await liveTokens(session)).toBe(1);
    // Sequential rotations (the one-statement path).
    let token = first.refreshToken;
    for (let i = 0; i < 3; i++) {
      token = (await t.client().request(RefreshSessionDocument, { refreshToken: token })).refreshSession.refreshToken;
      expect(await liveTokens(session)).toBe(1);
    }
    // A rotated token honoured again within the reuse interval (the grace path), twice, and in parallel.
    const [a, b] = await Promise.all([
      t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken }),
      t.client().request(RefreshSessionDocument, { refreshToken: token }),
    ]);
    expect(sid(a.refreshSession.accessToken)).toBe(session);
    expect(sid(b.refreshSession.accessToken)).toBe(session);
    expect(await liveTokens(session)).toBe(1);
    await t.client().request(RefreshSessionDocument, { refreshToken: a.refreshSession.refreshToken });
    expect(await liveTokens(session)).toBe(1);
  });

  test('a rotated token presented after the reuse interval revokes the whole session', async () => {
    const client = t.client();
    const first = await signUpAndVerify(t, client);
    const { refreshSession: second } = await t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken });
    clock.advance(11);
    try {
      const reuse = await client.error(t.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken }));
      expect(reuse.code).toBe('INVALID_TOKEN');
      // The legitimate successor is dead too, and so is the session's access token.
      const successor = await client.error(t.client().request(RefreshSessionDocument, { refreshToken: second.refreshToken }));
      expect(successor.code).toBe('INVALID_TOKEN');
      client.accessToken = second.accessToken;
      const viewer = await client.error(client.query(ViewerBasicDocument));
      expect(viewer.code).toBe('UNAUTHENTICATED');
      const audit = await t.app.dataSource.query(`SELECT event FROM ${t.table('audit_events')} WHERE user_id = $1 AND event = 'session.reuse_detected'`, [
        first.user.id,
      ]);
      expect(audit).toHaveLength(1);
    } finally {
      clock.advance(-11);
    }
  });

  test('a session unused for 7 days and one older than 30 days cannot be refreshed', async () => {
    const client = t.client();
    const idle = await signUpAndVerify(t, client);
    clock.advance(7 * 24 * 3600 + 1);
    try {
      expect((await client.error(t.client().request(RefreshSessionDocument, { refreshToken: idle.refreshToken }))).code).toBe('INVALID_TOKEN');
    } finally {
      clock.advance(-(7 * 24 * 3600 + 1));
    }
    const old = await signUpAndVerify(t, client);
    let token = old.refreshToken;
    try {
      // Used every 6 days (never idle for 7), it still ends 30 days after sign-in.
      for (let day = 0; day < 4; day++) {
        clock.advance(6 * 24 * 3600);
        token = (await t.client().request(RefreshSessionDocument, { refreshToken: token })).refreshSession.refreshToken;
      }
      clock.advance(6 * 24 * 3600 + 1);
      expect((await client.error(t.client().request(RefreshSessionDocument, { refreshToken: token }))).code).toBe('INVALID_TOKEN');
    } finally {
      clock.advance(-(30 * 24 * 3600 + 1));
    }
  });

  test('viewer lists live sessions with the current one marked; revokeSession ends another of them', async () => {
    const email = uniqueEmail('multi');
    const laptop = t.client({ 'user-agent': 'laptop' });
    await signUpAndVerify(t, laptop, email);
    const phone = t.client({ 'user-agent': 'phone' });
    await logIn(t, phone, email);
    const { viewer } = await laptop.query(ViewerDocument);
    expect(viewer!.sessions).toHaveLength(2);
    const current = viewer!.sessions.find((s) => s.current)!;
    const other = viewer!.sessions.find((s) => !s.current)!;
    expect(current.userAgent).toBe('laptop');
    expect(other.userAgent).toBe('phone');
    expect((await laptop.request(RevokeSessionDocument, { id: other.id })).revokeSession).toBe(true);
    expect((await phone.error(phone.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
    expect((await laptop.query(ViewerDocument)).viewer!.sessions).toHaveLength(1);
  });

  test("revoking someone else's session is FORBIDDEN and leaves it alive", async () => {
    const alice = t.client();
    await signUpAndVerify(t, alice);
    const bob = t.client();
    await signUpAndVerify(t, bob);
    const bobSession = (await bob.query(ViewerDocument)).viewer!.sessions[0]!;
    const err = await alice.error(alice.request(RevokeSessionDocument, { id: bobSession.id }));
    expect(err.code).toBe('FORBIDDEN');
    expect((await bob.query(ViewerBasicDocument)).viewer).not.toBeNull();
    expect((await alice.error(alice.request(RevokeSessionDocument, { id: 'nope' }))).code).toBe('BAD_USER_INPUT');
  });

  test('logoutAll ends every session and returns how many', async () => {
    const email = uniqueEmail('all');
    const a = t.client();
    await signUpAndVerify(t, a, email);
    const b = t.client();
    const bPayload = await logIn(t, b, email);
    const c = t.client();
    await logIn(t, c, email);
    expect((await a.request(LogoutAllDocument)).logoutAll).toBe(3);
    for (const client of [a, b, c]) expect((await client.error(client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
    expect((await b.error(t.client().request(RefreshSessionDocument, { refreshToken: bPayload.refreshToken }))).code).toBe('INVALID_TOKEN');
  });

  test('logoutAll and revokeSession need a signed-in viewer', async () => {
    const anonymous = t.client();
    expect((await anonymous.error(anonymous.request(LogoutAllDocument))).code).toBe('UNAUTHENTICATED');
    expect((await anonymous.error(anonymous.request(RevokeSessionDocument, { id: '00000000-0000-4000-8000-000000000000' }))).code).toBe('UNAUTHENTICATED');
  });
});
