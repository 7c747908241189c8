import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { realRedis, realRedisAvailable, signUpVerified } from '../support/attack';
import { backends } from '../support/backends';
import {
  LoginDocument,
  LogoutDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  VerifyOtpDocument,
  ViewerBasicDocument,
} from '../graphql/generated/graphql';

const PASSWORD = 'correct horse battery staple';
const redisSource = backends.redisUrl ? 'REDIS_URL' : 'a private redis-server (REDIS_URL unset)';
const describeShared = realRedisAvailable ? describe : describe.skip;

describeShared(`two gateway instances on one PostgreSQL and one Redis (${realRedisAvailable ? redisSource : 'requires REDIS_URL or redis-server'})`, () => {
  let redis: { url: string; stop(): Promise<void> };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    redis = (await realRedis())!;
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `two:${process.pid}:${Date.now()}:`, TRUST_PROXY: '1', RATE_LIMIT_IP_PER_MINUTE: '4' };
    a = await startTestApp({ env });
    b = await startTestApp({ env, shareWith: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });

  // Each test acts from IPs of its own (TRUST_PROXY=1), so their per-IP counts do not mix.
  const from = (t: TestApp, ip: string) => t.client({ 'x-forwarded-for': ip });
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => 'OK',
      (e) => e.info.code as string,
    );

  test('per-IP limits are shared: 4 per minute across both instances, the 5th refused on either', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = i % 2 === 0 ? a : b;
      seen.push(await outcome(from(t, '198.51.100.1').request(RequestMagicLinkDocument, { input: { email: `shared${i}@example.com` } })));
    }
    expect(seen).toEqual(['OK', 'OK', 'OK', 'OK', 'RATE_LIMITED', 'RATE_LIMITED']);
  });

  test('a code’s attempt count is shared: wrong tries split over A and B lock it at 5', async () => {
    await signUpVerified(a, 'split@example.com', PASSWORD, { 'x-forwarded-for': '198.51.100.2' });
    const { requestOtp } = await from(a, '198.51.100.3').request(RequestOtpDocument, { input: { email: 'split@example.com' } });
    const code = codeFrom(await a.inbox.waitForMail('split@example.com', 2));
    const wrong = code === '000000' ? '111111' : '000000';
    const left: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const client = from(i % 2 === 0 ? a : b, `198.51.100.${10 + i}`);
      left.push(
        (await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: wrong } }))).extensions.attemptsLeft,
      );
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const onB = from(b, '198.51.100.20');
    expect((await onB.error(onB.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } }))).code).toBe('OTP_EXPIRED');
  });

  test('the login lockout is shared: 5 wrong passwords on A and 5 on B lock the account on both', async () => {
    await signUpVerified(a, 'lock@example.com', PASSWORD, { 'x-forwarded-for': '198.51.100.30' });
    for (let i = 0; i < 10; i++) {
      const client = from(i < 5 ? a : b, `198.51.100.${31 + i}`);
      expect(await outcome(client.request(LoginDocument, { input: { email: 'lock@example.com', password: `wrong-password-${i}` } }))).toBe(
        'INVALID_CREDENTIALS',
      );
    }
    for (const t of [a, b]) {
      expect(await outcome(from(t, '198.51.100.50').request(LoginDocument, { input: { email: 'lock@example.com', password: PASSWORD } }))).toBe('RATE_LIMITED');
    }
  });

  test('sends per email are shared: 3 on A and 2 on B, the 6th (on A) refused', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 6; i++) {
      const t = i < 3 || i === 5 ? a : b;
      seen.push(await outcome(from(t, `198.51.100.${60 + i}`).request(RequestOtpDocument, { input: { email: 'budget@example.com' } })));
    }
    expect(seen).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'RATE_LIMITED']);
  });

  test('revocation is shared: logout on A, and the access token is refused on B at once', async () => {
    const { client } = await signUpVerified(a, 'revoke@example.com', PASSWORD, { 'x-forwarded-for': '198.51.100.70' });
    const token = client.accessToken!;
    const onB = from(b, '198.51.100.71');
    onB.accessToken = token;
    expect((await onB.query(ViewerBasicDocument)).viewer?.email).toBe('revoke@example.com');
    expect((await client.request(LogoutDocument, {})).logout).toBe(true);
    expect((await onB.error(onB.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
    // And on A, of course.
    const onA = from(a, '198.51.100.72');
    onA.accessToken = token;
    expect((await onA.error(onA.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
  });
});
