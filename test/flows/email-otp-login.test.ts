import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';
import { RequestOtpDocument, ResendOtpDocument, SignupDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

describe('passwordless sign-in by email code: requestOtp(email) → mailed code → verifyOtp', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  test('a known email gets a LOGIN code and verifying it signs in to that account', async () => {
    const email = uniqueEmail('otp');
    const owner = await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email: ` ${email.toUpperCase()} ` } });
    expect(requestOtp).toMatchObject({ channel: 'EMAIL', purpose: 'LOGIN', destination: 'o***@e***.com' });
    const mail = await t.inbox.waitForMail(email, 2);
    expect(mail.text).toMatch(/Your sign-in code/);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(mail) } });
    expect(verifyOtp.user).toMatchObject({ id: owner.user.id, email, emailVerified: true });
  });

  test('a code to an unverified account verifies its email', async () => {
    const email = uniqueEmail('unverified');
    await t.client().request(SignupDocument, { input: { email, password: PASSWORD } });
    await t.inbox.waitForMail(email, 1);
    const { requestOtp } = await t.client().request(RequestOtpDocument, { input: { email } });
    const { verifyOtp } = await t
      .client()
      .request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(await t.inbox.waitForMail(email, 2)) } });
    expect(verifyOtp.user).toMatchObject({ email, emailVerified: true });
  });

  test('an unknown email is answered like a known one, is mailed nothing, and no code opens its challenge', async () => {
    const known = uniqueEmail('known');
    await signUpAndVerify(t, t.client(), known);
    const unknown = uniqueEmail('unknown');
    const client = t.client();
    const { requestOtp: real } = await client.request(RequestOtpDocument, { input: { email: known } });
    const { requestOtp: decoy } = await client.request(RequestOtpDocument, { input: { email: unknown } });
    expect(Object.keys(decoy).sort()).toEqual(Object.keys(real).sort());
    expect(decoy).toMatchObject({ channel: 'EMAIL', purpose: 'LOGIN', destination: 'u***@e***.com' });
    expect(new Date(decoy.expiresAt).getTime() - new Date(real.expiresAt).getTime()).toBeLessThan(60_000);
    expect(new Date(decoy.resendAvailableAt).getTime() - new Date(decoy.expiresAt).getTime()).toBe(
      new Date(real.resendAvailableAt).getTime() - new Date(real.expiresAt).getTime(),
    );

    // The real code, tried on the decoy, fails exactly as a wrong code on a real challenge does.
    const realCode = codeFrom(await t.inbox.waitForMail(known, 2));
    const onDecoy = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: decoy.challengeId, code: realCode } }));
    const onReal = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: real.challengeId, code: wrong(realCode) } }));
    expect(onDecoy).toMatchObject({ code: 'INVALID_OTP', message: onReal.message, extensions: onReal.extensions });

    // Resending before the cooldown is refused alike too.
    const resendDecoy = await client.error(client.request(ResendOtpDocument, { challengeId: decoy.challengeId }));
    const resendReal = await client.error(client.request(ResendOtpDocument, { challengeId: real.challengeId }));
    expect([resendDecoy.code, resendReal.code]).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);

    expect(t.inbox.mailsTo(unknown)).toHaveLength(0);
    const audit = await t.app.dataSource.query(
      `SELECT outcome, data FROM ${t.table('audit_events')} WHERE event = 'otp.requested' AND data->>'challengeId' = $1`,
      [decoy.challengeId],
    );
    expect(audit).toEqual([{ outcome: 'failure', data: { challengeId: decoy.challengeId, channel: 'EMAIL', purpose: 'LOGIN', reason: 'unknown_email' } }]);
  });

  test('a malformed email is BAD_USER_INPUT and nothing is sent', async () => {
    const client = t.client();
    const before = t.inbox.mails.length;
    for (const email of ['not-an-email', 'a@b', `${'x'.repeat(300)}@example.com`]) {
      const err = await client.error(client.request(RequestOtpDocument, { input: { email } }));
      expect(err).toMatchObject({ code: 'BAD_USER_INPUT', extensions: expect.objectContaining({ field: 'email' }) });
    }
    expect(t.inbox.mails).toHaveLength(before);
  });
});
