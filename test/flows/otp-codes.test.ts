import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { TestClock, uniqueEmail, PASSWORD } from '../support/flows';
import { SignupDocument, VerifyOtpDocument, ResendOtpDocument, type ChallengeFieldsFragment } from '../graphql/generated/graphql';

const clock = new TestClock();

describe('one-time codes: single use, 5 tries, 10 minutes, resend cooldown', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now } });
  });
  afterAll(() => t.close());

  async function freshChallenge(): Promise<{ challenge: ChallengeFieldsFragment; code: string; email: string }> {
    const email = uniqueEmail('otp');
    const { signup } = await t.client().request(SignupDocument, { input: { email, password: PASSWORD } });
    const mail = await t.inbox.waitForMail(email);
    return { challenge: signup, code: codeFrom(mail), email };
  }

  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  test('five wrong codes count down attemptsLeft, then the challenge is locked even for the right code', async () => {
    const client = t.client();
    const { challenge, code } = await freshChallenge();
    const left: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code: wrong(code) } }));
      expect(err.code).toBe('INVALID_OTP');
      left.push(err.extensions.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    const locked = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code } }));
    expect(locked.code).toBe('OTP_EXPIRED');
  });

  test('a used code cannot be used again', async () => {
    const client = t.client();
    const { challenge, code } = await freshChallenge();
    await client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code } });
    const again = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code } }));
    expect(again.code).toBe('OTP_EXPIRED');
  });

  test('a code expires after 10 minutes', async () => {
    const client = t.client();
    const { challenge, code } = await freshChallenge();
    clock.advance(10 * 60 + 1);
    try {
      const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code } }));
      expect(err.code).toBe('OTP_EXPIRED');
    } finally {
      clock.advance(-(10 * 60 + 1));
    }
  });

  test('20 concurrent verifyOtp calls with the right code yield exactly one session', async () => {
    const { challenge, code, email } = await freshChallenge();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => t.client().request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code } })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(['OTP_EXPIRED']).toContain((r.reason as { info: { code: string } }).info.code);
    }
    const rows = await t.app.dataSource.query(
      `SELECT count(*)::int AS n FROM ${t.table('sessions')} s JOIN ${t.table('users')} u ON u.id = s.user_id WHERE u.email = $1`,
      [email],
    );
    expect(rows[0].n).toBe(1);
  });

  test('resend after the cooldown sends a new code; the old one stops working; the attempt budget carries over', async () => {
    const fast = await startTestApp({ env: { OTP_RESEND_COOLDOWN_SECONDS: '1' } });
    try {
      const client = fast.client();
      const email = uniqueEmail('resend');
      const { signup: challenge } = await client.request(SignupDocument, { input: { email, password: PASSWORD } });
      const code = codeFrom(await fast.inbox.waitForMail(email, 1));
      await client.error(client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code: wrong(code) } }));
      await new Promise((r) => setTimeout(r, 1100));
      const { resendOtp } = await client.request(ResendOtpDocument, { challengeId: challenge.challengeId });
      expect(resendOtp.challengeId).toBe(challenge.challengeId);
      const newCode = codeFrom(await fast.inbox.waitForMail(email, 2));
      if (newCode !== code) {
        const old = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code } }));
        expect(old.code).toBe('INVALID_OTP');
        expect(old.extensions.attemptsLeft).toBe(3);
      }
      const again = await client.error(client.request(ResendOtpDocument, { challengeId: challenge.challengeId }));
      expect(again.code).toBe('RATE_LIMITED');
      const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: challenge.challengeId, code: newCode } });
      expect(verifyOtp.user.email).toBe(email);
    } finally {
      await fast.close();
    }
  });

  test.each([
    { label: 'a malformed challenge id', challengeId: 'not-a-uuid', code: '123456', expected: 'BAD_USER_INPUT' },
    { label: 'an unknown challenge id', challengeId: '00000000-0000-4000-8000-000000000000', code: '123456', expected: 'OTP_EXPIRED' },
    { label: 'a code with letters', challengeId: null, code: '12a456', expected: 'BAD_USER_INPUT' },
    { label: 'a code of 5 digits', challengeId: null, code: '12345', expected: 'BAD_USER_INPUT' },
    { label: 'an oversized code', challengeId: null, code: '1'.repeat(5000), expected: 'BAD_USER_INPUT' },
  ])('verifyOtp with $label answers $expected', async ({ challengeId, code, expected }) => {
    const client = t.client();
    const id = challengeId ?? (await freshChallenge()).challenge.challengeId;
    const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: id, code } }));
    expect(err.code).toBe(expected);
  });

  test('codes are stored only as HMACs', async () => {
    const { challenge, code } = await freshChallenge();
    const rows = await t.app.dataSource.query(`SELECT code_hash FROM ${t.table('otp_challenges')} WHERE id = $1`, [challenge.challengeId]);
    expect(rows[0].code_hash).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(rows[0].code_hash).not.toContain(code);
  });
});
