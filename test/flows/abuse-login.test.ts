import { shippedIpLimits, startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { countRows, errorsOf, inParallel, signUpVerified, sleep, type WireError } from '../support/attack';
import {
  RequestMagicLinkDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  RequestOtpDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  ViewerBasicDocument,
} from '../graphql/generated/graphql';

const PASSWORD = 'correct horse battery staple';
const LOGIN = 'mutation L($input: LoginInput!) { login(input: $input) { challengeId } }';

async function login(t: TestApp, email: string, password: string, headers: Record<string, string> = {}): Promise<WireError | 'OK'> {
  const res = await rawPost(t.url, JSON.stringify({ query: LOGIN, variables: { input: { email, password } } }), headers);
  return res.json.data?.login ? 'OK' : errorsOf(res.json)[0]!;
}

describe('credential stuffing from spoofed X-Forwarded-For (TRUST_PROXY=0) is limited as one client', () => {
  let t: TestApp;
  let behindProxy: TestApp;
  beforeAll(async () => {
    // The account lockout is lifted here, so what holds is the per-IP limit alone (30 per minute).
    [t, behindProxy] = await Promise.all([
      startTestApp({ env: { ...shippedIpLimits, LOGIN_LOCKOUT_THRESHOLD: '100000' } }),
      startTestApp({ env: { ...shippedIpLimits, LOGIN_LOCKOUT_THRESHOLD: '100000', TRUST_PROXY: '1' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), behindProxy?.close()]);
  });

  test('1,000 logins for one account, each with a new X-Forwarded-For: 30 checked, 970 RATE_LIMITED', async () => {
    await signUpVerified(t, 'victim@example.com', PASSWORD);
    const results = await inParallel(1000, 8, (i) =>
      login(t, 'victim@example.com', `guess-${i}-password`, { 'x-forwarded-for': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` }),
    );
    const codes = results.map((r) => (r === 'OK' ? 'OK' : r.extensions!.code));
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(30);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(970);
    // Every checked attempt was recorded with the socket address, never a header value.
    const ips = (await t.app.dataSource.query(
      `SELECT DISTINCT ip FROM "${t.env.DATABASE_SCHEMA ?? 'public'}".audit_events WHERE event = 'login.password_checked'`,
    )) as { ip: string }[];
    expect(ips.map((r) => r.ip)).toEqual(['127.0.0.1']);
  });

  test('for contrast, TRUST_PROXY=1 behind a real proxy: distinct forwarded clients are counted apart', async () => {
    await signUpVerified(behindProxy, 'victim@example.com', PASSWORD);
    const results = await inParallel(40, 8, (i) => login(behindProxy, 'victim@example.com', `guess-${i}-password`, { 'x-forwarded-for': `198.51.100.${i}` }));
    expect(results.map((r) => (r === 'OK' ? 'OK' : r.extensions!.code))).toEqual(Array(40).fill('INVALID_CREDENTIALS'));
    // One forwarded client past its 30 per minute is limited.
    const same = await inParallel(31, 4, (i) => login(behindProxy, 'victim@example.com', `again-${i}-password`, { 'x-forwarded-for': '198.51.100.250' }));
    expect(same.filter((r) => r !== 'OK' && r.extensions!.code === 'RATE_LIMITED')).toHaveLength(1);
  });
});

describe('account lockout: 10 wrong passwords lock password login; codes still sign the owner in', () => {
  let t: TestApp;
  let fast: TestApp;
  beforeAll(async () => {
    [t, fast] = await Promise.all([
      startTestApp({ env: { ...shippedIpLimits, TRUST_PROXY: '1' } }),
      startTestApp({ env: { ...shippedIpLimits, LOGIN_LOCKOUT_THRESHOLD: '2', LOGIN_LOCKOUT_SECONDS: '1', LOGIN_LOCKOUT_MAX_SECONDS: '2' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), fast?.close()]);
  });

  test('after 10 wrong passwords even the right one is refused for 15 minutes; an emailed code and a magic link still sign the owner in', async () => {
    await signUpVerified(t, 'owner@example.com', PASSWORD, { 'x-forwarded-for': '203.0.113.1' });
    for (let i = 0; i < 10; i++) {
      const r = await login(t, 'owner@example.com', `wrong-password-${i}`, { 'x-forwarded-for': `198.51.100.${i}` });
      expect(r !== 'OK' && r.extensions!.code).toBe('INVALID_CREDENTIALS');
    }
    const locked = await login(t, 'owner@example.com', PASSWORD, { 'x-forwarded-for': '203.0.113.1' });
    if (locked === 'OK') throw new Error('login succeeded while locked');
    expect(locked.extensions!.code).toBe('RATE_LIMITED');
    expect(locked.extensions!.retryAfter).toBeGreaterThan(890);
    expect(locked.extensions!.retryAfter).toBeLessThanOrEqual(900);
    expect(locked.message).toMatch(/sign in with a code/);
    const mailsBefore = t.inbox.mailsTo('owner@example.com').length;

    // The owner signs in with an emailed code…
    const owner = t.client({ 'x-forwarded-for': '203.0.113.1' });
    const { requestOtp } = await owner.request(RequestOtpDocument, { input: { email: 'owner@example.com' } });
    const code = codeFrom(await t.inbox.waitForMail('owner@example.com', mailsBefore + 1));
    const { verifyOtp } = await owner.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
    owner.accessToken = verifyOtp.accessToken;
    expect((await owner.query(ViewerBasicDocument)).viewer?.email).toBe('owner@example.com');

    // …or with a magic link.
    await owner.request(RequestMagicLinkDocument, { input: { email: 'owner@example.com' } });
    const link = linkFrom(await t.inbox.waitForMail('owner@example.com', mailsBefore + 2));
    const { verifyMagicLink } = await t.client().request(VerifyMagicLinkDocument, { token: link.searchParams.get('token')! });
    expect(verifyMagicLink.user.email).toBe('owner@example.com');

    // Password login stays locked.
    const still = await login(t, 'owner@example.com', PASSWORD, { 'x-forwarded-for': '203.0.113.1' });
    expect(still !== 'OK' && still.extensions!.code).toBe('RATE_LIMITED');
  });

  test('an unknown email hammered 10 times answers exactly like a real account', async () => {
    await signUpVerified(t, 'real@example.com', PASSWORD, { 'x-forwarded-for': '203.0.113.2' });
    const run = async (email: string, net: number) => {
      const out: (WireError | 'OK')[] = [];
      for (let i = 0; i < 11; i++) out.push(await login(t, email, `wrong-password-${i}`, { 'x-forwarded-for': `192.0.2.${net * 20 + i}` }));
      return out.map((r) => {
        if (r === 'OK') return r;
        const { retryAfter, ...rest } = r.extensions!;
        return { message: r.message, extensions: rest, retryAfter: typeof retryAfter === 'number' ? Math.round(retryAfter / 10) : null };
      });
    };
    const real = await run('real@example.com', 1);
    const unknown = await run('ghost@example.com', 2);
    expect(unknown).toEqual(real);
    expect(real.at(-1)).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
  });

  test('parallel guesses get at most 10 password checks', async () => {
    await signUpVerified(t, 'burst@example.com', PASSWORD, { 'x-forwarded-for': '203.0.113.3' });
    const results = await inParallel(25, 25, (i) => login(t, 'burst@example.com', `wrong-password-${i}`, { 'x-forwarded-for': `192.0.2.${100 + i}` }));
    const codes = results.map((r) => (r === 'OK' ? 'OK' : r.extensions!.code));
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(10);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(15);
    const checks = await countRows(
      t,
      `SELECT count(*) AS n FROM {audit_events} a JOIN {users} u ON u.id = a.user_id WHERE a.event = 'login.password_checked' AND u.email = 'burst@example.com' AND a.outcome = 'failure'`,
    );
    expect(checks).toBe(10);
  });

  test('locks end on their own and double on repeat; a right password resets (LOGIN_LOCKOUT_SECONDS=1, max 2)', async () => {
    await signUpVerified(fast, 'fast@example.com', PASSWORD);
    const lockFor = async () => {
      for (let i = 0; i < 2; i++)
        expect(await login(fast, 'fast@example.com', 'wrong-password')).toMatchObject({ extensions: { code: 'INVALID_CREDENTIALS' } });
      const r = await login(fast, 'fast@example.com', PASSWORD);
      if (r === 'OK') throw new Error('not locked');
      expect(r.extensions!.code).toBe('RATE_LIMITED');
      return r.extensions!.retryAfter as number;
    };
    expect(await lockFor()).toBe(1);
    await sleep(1200);
    expect(await lockFor()).toBe(2);
    await sleep(2200);
    expect(await lockFor()).toBe(2); // capped at LOGIN_LOCKOUT_MAX_SECONDS
    await sleep(2200);
    expect(await login(fast, 'fast@example.com', PASSWORD)).toBe('OK');
    expect(await lockFor()).toBe(1); // the success forgot the earlier locks
  });

  test('a completed password reset lifts the lock: the new password logs in at once', async () => {
    await signUpVerified(t, 'reset-lock@example.com', PASSWORD, { 'x-forwarded-for': '203.0.113.9' });
    for (let i = 0; i < 10; i++) await login(t, 'reset-lock@example.com', `wrong-password-${i}`, { 'x-forwarded-for': `198.51.100.${50 + i}` });
    const locked = await login(t, 'reset-lock@example.com', PASSWORD, { 'x-forwarded-for': '203.0.113.9' });
    expect(locked !== 'OK' && locked.extensions!.code).toBe('RATE_LIMITED');
    const owner = t.client({ 'x-forwarded-for': '203.0.113.9' });
    const before = t.inbox.mailsTo('reset-lock@example.com').length;
    await owner.request(RequestPasswordResetDocument, { input: { email: 'reset-lock@example.com' } });
    const token = linkFrom(await t.inbox.waitForMail('reset-lock@example.com', before + 1)).searchParams.get('token')!;
    await owner.request(ResetPasswordDocument, { input: { token, newPassword: 'a brand new passphrase 42' } });
    expect(await login(t, 'reset-lock@example.com', 'a brand new passphrase 42', { 'x-forwarded-for': '203.0.113.9' })).toBe('OK');
  });
});
