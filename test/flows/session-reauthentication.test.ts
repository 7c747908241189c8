import { EventOutbox } from '../../src/modules/events/outbox';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock } from '../support/flows';
import { ViewerSessionAssuranceDocument } from '../graphql/generated/graphql';
import { allowEverySignIn, SessionsService } from '../../src/modules/sessions/sessions.service';
import { AccessTokens } from '../../src/modules/sessions/access-tokens';
import type { RevocationList } from '../../src/modules/sessions/revocation-list';
import { AuditService } from '../../src/modules/audit/audit.service';
import { SigningKeys } from '../../src/crypto/signing-keys';
import { withTransaction } from '../../src/db/transaction';

const clock = new TestClock();
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
const meta = { requestId: 'r', ip: '203.0.113.9', userAgent: 'test' };

/**
 * The groundwork requestReauthentication (a later issue) finishes with: the recent-authentication rule and
 * SessionsService.reauthenticate, on real PostgreSQL, against a session signed in over HTTP.
 */
describe('re-authentication: REAUTH_MAX_AGE_SECONDS and reauthenticate()', () => {
  let t: TestApp;
  let sessions: SessionsService;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { REAUTH_MAX_AGE_SECONDS: '300' } });
    const keys = await SigningKeys.load([t.env.JWT_PRIVATE_KEY!]);
    const accessTokens = new AccessTokens(keys, {
      issuer: t.app.config.publicUrl,
      audience: t.app.config.accessTokenAudience,
      ttlSeconds: 900,
      now: clock.now,
    });
    sessions = new SessionsService({
      dataSource: t.app.dataSource,
      accessTokens,
      revocations: {} as RevocationList, // not used by these methods
      audit: new AuditService(t.app.dataSource),
      events: new EventOutbox({ now: clock.now, nowMs: () => clock.now().getTime() }),
      hmacKey: Buffer.alloc(32),
      limits: t.app.config.limits,
      reauthMaxAgeSeconds: t.app.config.reauthMaxAgeSeconds,
      now: clock.now,
      signInGate: allowEverySignIn, // these methods never sign in
    });
  });
  afterAll(() => t.close());

  test('an old authentication answers REAUTHENTICATION_REQUIRED; reauthenticate() makes it recent and raises aal', async () => {
    const client = t.client();
    const payload = await signUpAndVerify(t, client);
    const viewer = { userId: payload.user.id, sessionId: claimsOf(payload.accessToken).sid as string };
    await expect(sessions.requireRecentAuthentication(viewer)).resolves.toBeUndefined();
    clock.advance(301);
    try {
      await expect(sessions.requireRecentAuthentication(viewer)).rejects.toMatchObject({
        code: 'REAUTHENTICATION_REQUIRED',
        extensions: { maxAgeSeconds: 300 },
      });
      // TestClock runs in real time (plus its offset): auth_time is the second the call ran in, between these two.
      const before = Math.floor(clock.now().getTime() / 1000);
      const issued = await withTransaction(t.app.dataSource, (em) => sessions.reauthenticate(em, viewer.sessionId, ['pwd', 'totp'], meta));
      const after = Math.floor(clock.now().getTime() / 1000);
      expect(issued.sessionId).toBe(viewer.sessionId);
      await expect(sessions.requireRecentAuthentication(viewer)).resolves.toBeUndefined();
      const claims = claimsOf(issued.accessToken);
      expect(claims.aal).toBe('aal2');
      expect(claims.amr).toEqual(['otp', 'email', 'pwd', 'totp']);
      expect(claims.auth_time).toBeGreaterThanOrEqual(before);
      expect(claims.auth_time).toBeLessThanOrEqual(after);
      // The session still has one live refresh token: the one just issued.
      const live = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('refresh_tokens')} WHERE session_id = $1 AND rotated_at IS NULL`, [
        viewer.sessionId,
      ]);
      expect(live[0].n).toBe(1);
      client.accessToken = issued.accessToken;
      const { viewer: shown } = await client.query(ViewerSessionAssuranceDocument);
      expect(shown!.sessions.find((s) => s.current)!.authenticatorAssuranceLevel).toBe('aal2');
    } finally {
      clock.advance(-301);
    }
  });

  test('REAUTH_MAX_AGE_SECONDS below 5 is refused at start', async () => {
    const { loadConfig } = await import('../../src/config/config');
    expect(() => loadConfig({ REAUTH_MAX_AGE_SECONDS: '4' })).toThrow(/REAUTH_MAX_AGE_SECONDS/);
    expect(loadConfig({ REAUTH_MAX_AGE_SECONDS: '5' }).reauthMaxAgeSeconds).toBe(5);
    expect(loadConfig({}).reauthMaxAgeSeconds).toBe(900);
    expect(() => loadConfig({ REAUTH_MAX_AGE_SECONDS: 'soon' })).toThrow(/REAUTH_MAX_AGE_SECONDS/);
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).accessTokenAudience).toBe('https://auth.example.com');
    expect(loadConfig({ ACCESS_TOKEN_AUDIENCE: 'api://x' }).accessTokenAudience).toBe('api://x');
  });
});
