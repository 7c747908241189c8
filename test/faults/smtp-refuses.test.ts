import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { PASSWORD, logIn, signUpAndVerify, uniqueEmail } from '../support/flows';
import {
  LoginDocument,
  RefreshSessionDocument,
  ResendOtpDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  ViewerDocument,
} from '../graphql/generated/graphql';

/**
 * The SMTP server refuses every recipient (SmtpInbox.refuse()). Each flow that mails must answer
 * SERVICE_UNAVAILABLE and keep nothing that a later request could use; what existed before stays valid.
 */
describe('SMTP refusing: SERVICE_UNAVAILABLE, no usable code or link, nothing half-written', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A one-second resend cooldown so the resend case does not wait a minute.
    t = await startTestApp({ env: { OTP_RESEND_COOLDOWN_SECONDS: '1' } });
  });
  afterAll(() => t.close());
  afterEach(() => t.inbox.accept());

  const rows = (sql: string, params: unknown[]) => t.app.dataSource.query(sql, params);
  const challengesTo = async (email: string, purpose: string) =>
    (await rows(`SELECT id FROM ${t.table('otp_challenges')} WHERE destination = $1 AND purpose = $2 AND consumed_at IS NULL`, [email, purpose])).length;
  const deliveryFailures = async (flow: string) =>
    (await rows(`SELECT id FROM ${t.table('audit_events')} WHERE event = 'delivery.failed' AND data->>'flow' = $1 AND data->>'dependency' = 'smtp'`, [flow]))
      .length;

  test('requestOtp(email): known and unknown addresses both fail while SMTP refuses, and both recover with it', async () => {
    const known = uniqueEmail('otpdown');
    await signUpAndVerify(t, t.client(), known);
    const unknown = uniqueEmail('nobody');
    const client = t.client();
    const failuresBefore = await deliveryFailures('otp');

    t.inbox.refuse(550, 'Mailbox unavailable');
    const real = await client.error(client.request(RequestOtpDocument, { input: { email: known } }));
    expect(real).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: expect.objectContaining({ dependency: 'smtp' }) });
    expect(await challengesTo(known, 'LOGIN')).toBe(0);
    expect(await deliveryFailures('otp')).toBe(failuresBefore + 1);
    // An unknown address answers the same way, or the outage would tell accounts apart.
    const decoy = await client.error(client.request(RequestOtpDocument, { input: { email: unknown } }));
    expect(decoy).toMatchObject({ code: real.code, message: real.message, extensions: real.extensions });
    expect(await challengesTo(unknown, 'LOGIN')).toBe(0);

    t.inbox.accept();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email: known } });
    await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(await t.inbox.waitForMail(known, 2)) } });
    const { requestOtp: decoyAgain } = await client.request(RequestOtpDocument, { input: { email: unknown } });
    expect(decoyAgain.purpose).toBe('LOGIN');
  });

  test('resendOtp: a real and an unknown-email challenge both fail while SMTP refuses; the real code sent before still works', async () => {
    const known = uniqueEmail('resenddown');
    await signUpAndVerify(t, t.client(), known);
    const client = t.client();
    const { requestOtp: real } = await client.request(RequestOtpDocument, { input: { email: known } });
    const sentBefore = codeFrom(await t.inbox.waitForMail(known, 2));
    const { requestOtp: decoy } = await client.request(RequestOtpDocument, { input: { email: uniqueEmail('nobody') } });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the one-second cooldown

    t.inbox.refuse();
    const onReal = await client.error(client.request(ResendOtpDocument, { challengeId: real.challengeId }));
    const onDecoy = await client.error(client.request(ResendOtpDocument, { challengeId: decoy.challengeId }));
    expect(onReal).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: expect.objectContaining({ dependency: 'smtp' }) });
    expect(onDecoy).toMatchObject({ code: onReal.code, message: onReal.message, extensions: onReal.extensions });

    t.inbox.accept();
    await client.request(VerifyOtpDocument, { input: { challengeId: real.challengeId, code: sentBefore } });
  });

  test('requestMagicLink: no new usable token is kept and the link sent before the outage still works', async () => {
    const email = uniqueEmail('magicdown');
    await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    await client.request(RequestMagicLinkDocument, { input: { email } });
    const earlier = linkFrom(await t.inbox.waitForMail(email, 2)).searchParams.get('token')!;
    const tokens = async () =>
      (
        await rows(
          `SELECT m.id FROM ${t.table('magic_link_tokens')} m JOIN ${t.table('users')} u ON u.id = m.user_id WHERE u.email = $1 AND m.consumed_at IS NULL`,
          [email],
        )
      ).length;
    expect(await tokens()).toBe(1);

    t.inbox.refuse(421, 'Service not available');
    const err = await client.error(client.request(RequestMagicLinkDocument, { input: { email } }));
    expect(err.code).toBe('SERVICE_UNAVAILABLE');
    expect(await tokens()).toBe(1);
    expect(t.inbox.mailsTo(email)).toHaveLength(2);

    t.inbox.accept();
    // The new link was spent when its mail failed; only a delivered link voids the older ones.
    const { verifyMagicLink } = await client.request(VerifyMagicLinkDocument, { token: earlier });
    expect(verifyMagicLink.user.email).toBe(email);
  });

  test('requestPasswordReset: no new usable code or link is kept and the earlier reset code still works', async () => {
    const email = uniqueEmail('resetdown');
    await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const { requestPasswordReset: earlier } = await client.request(RequestPasswordResetDocument, { input: { email } });
    const earlierCode = codeFrom(await t.inbox.waitForMail(email, 2));
    const resetTokens = async () =>
      (
        await rows(
          `SELECT r.id FROM ${t.table('password_reset_tokens')} r JOIN ${t.table('users')} u ON u.id = r.user_id WHERE u.email = $1 AND r.consumed_at IS NULL`,
          [email],
        )
      ).length;

    t.inbox.refuse();
    expect((await client.error(client.request(RequestPasswordResetDocument, { input: { email } }))).code).toBe('SERVICE_UNAVAILABLE');
    expect(await challengesTo(email, 'PASSWORD_RESET')).toBe(1);
    expect(await resetTokens()).toBe(1);
    // Unknown addresses fail alike during the outage.
    expect((await client.error(client.request(RequestPasswordResetDocument, { input: { email: uniqueEmail('nobody') } }))).code).toBe('SERVICE_UNAVAILABLE');

    t.inbox.accept();
    await client.request(ResetPasswordDocument, { input: { challengeId: earlier.challengeId, code: earlierCode, newPassword: 'a brand new passphrase 42' } });
  });

  test('resetPassword when the "password changed" notice cannot be sent: the reset stands (sent after COMMIT), and the failure is audited', async () => {
    const email = uniqueEmail('noticedown');
    const device = t.client();
    const session = await signUpAndVerify(t, device, email);
    const { requestPasswordReset } = await t.client().request(RequestPasswordResetDocument, { input: { email } });
    const code = codeFrom(await t.inbox.waitForMail(email, 2));
    const client = t.client();
    const failuresBefore = await deliveryFailures('password_changed_notice');

    t.inbox.refuse();
    const { resetPassword } = await client.request(ResetPasswordDocument, {
      input: { challengeId: requestPasswordReset.challengeId, code, newPassword: 'a brand new passphrase 42' },
    });
    expect(resetPassword.user.id).toBe(session.user.id);
    expect(await deliveryFailures('password_changed_notice')).toBe(failuresBefore + 1);
    t.inbox.accept();

    // The old session is gone, the old password no longer works, the new one does; the code is spent.
    expect((await device.error(device.query(ViewerDocument))).code).toBe('UNAUTHENTICATED');
    expect((await client.error(client.request(RefreshSessionDocument, { refreshToken: session.refreshToken }))).code).toBe('INVALID_TOKEN');
    expect((await client.error(client.request(LoginDocument, { input: { email, password: PASSWORD } }))).code).toBe('INVALID_CREDENTIALS');
    await logIn(t, t.client(), email, 'a brand new passphrase 42');
    const again = await client.error(
      client.request(ResetPasswordDocument, { input: { challengeId: requestPasswordReset.challengeId, code, newPassword: 'another passphrase 43' } }),
    );
    expect(again.code).toBe('OTP_EXPIRED');
  });
});
