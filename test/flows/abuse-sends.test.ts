import { shippedIpLimits, startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { signUpVerified, sleep } from '../support/attack';
import {
  LoginDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResendOtpDocument,
  VerifyOtpDocument,
} from '../graphql/generated/graphql';

const PASSWORD = 'correct horse battery staple';
const ip = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}` });

describe('sends are limited per email, whichever IP asks (RATE_LIMIT_SENDS_PER_HOUR=5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // TRUST_PROXY=1: each X-Forwarded-For below is a different client, as behind a real proxy.
    t = await startTestApp({ env: { ...shippedIpLimits, TRUST_PROXY: '1', OTP_RESEND_COOLDOWN_SECONDS: '1', RATE_LIMIT_CODE_CHECKS_PER_HOUR: '6' } });
  });
  afterAll(() => t?.close());

  test('6 code sends for one email from 6 IPs (signup, then requestOtp ×5): 5 codes mailed, the 6th RATE_LIMITED, nothing mailed', async () => {
    await signUpVerified(t, 'six@example.com', PASSWORD, ip(200)); // the signup code was send 1
    const answers: string[] = [];
    for (let i = 1; i <= 5; i++) {
      const client = t.client(ip(i));
      answers.push(
        await client.request(RequestOtpDocument, { input: { email: 'six@example.com' } }).then(
          () => 'OK',
          (e) => e.info.code,
        ),
      );
    }
    expect(answers).toEqual(['OK', 'OK', 'OK', 'OK', 'RATE_LIMITED']);
    const sixth = t.client(ip(6));
    const refused = await sixth.error(sixth.request(RequestOtpDocument, { input: { email: 'SIX@example.com ' } }));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.extensions.retryAfter).toBeGreaterThan(3500);
    expect(refused.extensions.retryAfter).toBeLessThanOrEqual(3600);
    await t.inbox.waitForMail('six@example.com', 5);
    await sleep(300);
    expect(t.inbox.mailsTo('six@example.com')).toHaveLength(5);
  });

  test('an unknown email is limited exactly like a known one (no enumeration through the limit)', async () => {
    const answers: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const client = t.client(ip(10 + i));
      answers.push(
        await client.request(RequestOtpDocument, { input: { email: 'nobody@example.com' } }).then(
          () => 'OK',
          (e) => e.info.code,
        ),
      );
    }
    expect(answers).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'RATE_LIMITED']);
    expect(t.inbox.mailsTo('nobody@example.com')).toHaveLength(0);
  });

  test('codes, magic links, resets and login codes share one budget per email', async () => {
    await signUpVerified(t, 'mixed@example.com', PASSWORD, ip(201)); // 1
    const c = (n: number) => t.client(ip(20 + n));
    await c(1).request(RequestOtpDocument, { input: { email: 'mixed@example.com' } }); // 2
    await c(2).request(RequestMagicLinkDocument, { input: { email: 'mixed@example.com' } }); // 3
    await c(3).request(RequestPasswordResetDocument, { input: { email: 'mixed@example.com' } }); // 4
    await c(4).request(LoginDocument, { input: { email: 'mixed@example.com', password: PASSWORD } }); // 5
    expect((await c(5).error(c(5).request(RequestMagicLinkDocument, { input: { email: 'mixed@example.com' } }))).code).toBe('RATE_LIMITED');
    expect((await c(6).error(c(6).request(LoginDocument, { input: { email: 'mixed@example.com', password: PASSWORD } }))).code).toBe('RATE_LIMITED');
    await t.inbox.waitForMail('mixed@example.com', 5);
    await sleep(300);
    expect(t.inbox.mailsTo('mixed@example.com')).toHaveLength(5);
  });

  test('with the budget spent, login answers RATE_LIMITED for a right and a wrong password alike (no password oracle)', async () => {
    await signUpVerified(t, 'oracle@example.com', PASSWORD, ip(204)); // 1
    for (let i = 1; i <= 4; i++) await t.client(ip(50 + i)).request(RequestOtpDocument, { input: { email: 'oracle@example.com' } }); // 2–5
    const attacker = t.client(ip(60));
    const right = await attacker.error(attacker.request(LoginDocument, { input: { email: 'oracle@example.com', password: PASSWORD } }));
    const wrong = await attacker.error(attacker.request(LoginDocument, { input: { email: 'oracle@example.com', password: 'not the password at all' } }));
    expect(right.code).toBe('RATE_LIMITED');
    expect({ ...wrong, extensions: { ...wrong.extensions, retryAfter: 0 } }).toEqual({ ...right, extensions: { ...right.extensions, retryAfter: 0 } });
    expect(Math.abs((wrong.extensions.retryAfter as number) - (right.extensions.retryAfter as number))).toBeLessThanOrEqual(2);
    // Below the budget a wrong password is still plainly INVALID_CREDENTIALS.
    await signUpVerified(t, 'fresh@example.com', PASSWORD, ip(205));
    const plain = await attacker.error(attacker.request(LoginDocument, { input: { email: 'fresh@example.com', password: 'not the password at all' } }));
    expect(plain.code).toBe('INVALID_CREDENTIALS');
  });

  test('a resend does not reset the code’s attempt budget', async () => {
    await signUpVerified(t, 'resend@example.com', PASSWORD, ip(202));
    const client = t.client(ip(30));
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email: 'resend@example.com' } });
    const first = codeFrom(await t.inbox.waitForMail('resend@example.com', 2));
    const wrong = first === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      const e = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: wrong } }));
      expect(e.extensions.attemptsLeft).toBe(left);
    }
    await sleep(1100); // OTP_RESEND_COOLDOWN_SECONDS=1
    await client.request(ResendOtpDocument, { challengeId: requestOtp.challengeId });
    const fresh = codeFrom(await t.inbox.waitForMail('resend@example.com', 3));
    const last = await client.error(
      client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: fresh === wrong ? first : wrong } }),
    );
    expect(last.extensions.attemptsLeft).toBe(0);
    const locked = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: fresh } }));
    expect(locked.code).toBe('OTP_EXPIRED');
  });

  test('code checks are limited per email across challenges (RATE_LIMIT_CODE_CHECKS_PER_HOUR=6)', async () => {
    await signUpVerified(t, 'checks@example.com', PASSWORD, ip(203)); // check 1 (the signup code)
    const client = t.client(ip(40));
    const one = (await client.request(RequestOtpDocument, { input: { email: 'checks@example.com' } })).requestOtp.challengeId;
    const two = (await client.request(RequestOtpDocument, { input: { email: 'checks@example.com' } })).requestOtp.challengeId;
    const codeTwo = codeFrom(await t.inbox.waitForMail('checks@example.com', 3));
    const wrong = codeTwo === '000000' ? '111111' : '000000';
    for (let i = 0; i < 4; i++) await client.error(client.request(VerifyOtpDocument, { input: { challengeId: one, code: wrong } })); // checks 2–5
    await client.error(client.request(VerifyOtpDocument, { input: { challengeId: two, code: wrong } })); // check 6
    // From yet another IP, with the right code of a fresh challenge: the email's budget is spent.
    const other = t.client(ip(41));
    const refused = await other.error(other.request(VerifyOtpDocument, { input: { challengeId: two, code: codeTwo } }));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.extensions.retryAfter).toBeGreaterThan(3500);
  });
});

describe('tries on a locked code do not spend the email’s check budget (OTP_MAX_ATTEMPTS=2, RATE_LIMIT_CODE_CHECKS_PER_HOUR=8)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ...shippedIpLimits, TRUST_PROXY: '1', OTP_MAX_ATTEMPTS: '2', RATE_LIMIT_CODE_CHECKS_PER_HOUR: '8' } });
  });
  afterAll(() => t?.close());

  test('a code locked after 2 wrong tries, tried 6 times more: OTP_EXPIRED each time, and a fresh code still signs in', async () => {
    await signUpVerified(t, 'locked@example.com', PASSWORD, ip(210)); // check 1 (the signup code)
    const client = t.client(ip(50));
    const one = (await client.request(RequestOtpDocument, { input: { email: 'locked@example.com' } })).requestOtp.challengeId;
    const codeOne = codeFrom(await t.inbox.waitForMail('locked@example.com', 2));
    const wrong = codeOne === '000000' ? '111111' : '000000';
    for (let i = 0; i < 2; i++) await client.error(client.request(VerifyOtpDocument, { input: { challengeId: one, code: wrong } })); // checks 2–3
    const locked: string[] = [];
    for (let i = 0; i < 6; i++) locked.push((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: one, code: codeOne } }))).code);
    expect(locked).toEqual(Array(6).fill('OTP_EXPIRED'));
    // Had the locked tries been counted, the budget (8) would be spent and this right code RATE_LIMITED.
    const two = (await client.request(RequestOtpDocument, { input: { email: 'locked@example.com' } })).requestOtp.challengeId;
    const codeTwo = codeFrom(await t.inbox.waitForMail('locked@example.com', 3));
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: two, code: codeTwo } }); // check 4
    expect(verifyOtp.user.email).toBe('locked@example.com');
  });
});
