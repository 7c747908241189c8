import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { RequestPasswordResetDocument, ResetPasswordDocument } from '../graphql/generated/graphql';

// Regression: resetPassword consumed the token with UPDATE … RETURNING, whose rows TypeORM 1.x dropped when
// the columns were given as an array, so every reset answered INVALID_TOKEN / OTP_EXPIRED.
describe('resetPassword consumes the emailed link or code once and signs in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function requestReset(): Promise<{ email: string; challengeId: string; token: string; code: string }> {
    const client = t.client();
    const email = uniqueEmail('reset');
    await signUpAndVerify(t, client, email);
    const { requestPasswordReset } = await client.request(RequestPasswordResetDocument, { input: { email } });
    const mail = await t.inbox.waitForMail(email, 2);
    return { email, challengeId: requestPasswordReset.challengeId, token: linkFrom(mail).searchParams.get('token')!, code: codeFrom(mail) };
  }

  test('by link: signs in once; the same link again is INVALID_TOKEN', async () => {
    const { email, token } = await requestReset();
    const client = t.client();
    const { resetPassword } = await client.request(ResetPasswordDocument, { input: { token, newPassword: 'a brand new passphrase 42' } });
    expect(resetPassword.user.email).toBe(email);
    const again = await client.error(client.request(ResetPasswordDocument, { input: { token, newPassword: 'yet another passphrase 43' } }));
    expect(again.code).toBe('INVALID_TOKEN');
  });

  test('by code: signs in once; the same code again is OTP_EXPIRED', async () => {
    const { email, challengeId, code } = await requestReset();
    const client = t.client();
    const { resetPassword } = await client.request(ResetPasswordDocument, { input: { challengeId, code, newPassword: 'a brand new passphrase 42' } });
    expect(resetPassword.user.email).toBe(email);
    const again = await client.error(client.request(ResetPasswordDocument, { input: { challengeId, code, newPassword: 'yet another passphrase 43' } }));
    expect(again.code).toBe('OTP_EXPIRED');
  });
});
