import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { SignupDocument, VerifyOtpDocument, ViewerDocument, ResendOtpDocument } from '../graphql/generated/graphql';

describe('signup → emailed code → verifyOtp → viewer', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  test('a new user signs up with an organization, verifies the emailed code and sees themselves', async () => {
    const client = t.client({ 'user-agent': 'jest-browser/1.0' });
    const { signup } = await client.request(SignupDocument, {
      input: {
        email: '  Ada.Lovelace@Example.COM ',
        password: 'correct horse battery staple',
        name: 'Ada',
        organization: { name: 'Analytical Engines', industry: 'Computing', teamSize: '1-10', logoUrl: 'https://example.com/logo.png' },
      },
    });
    expect(signup).toMatchObject({ channel: 'EMAIL', purpose: 'SIGNUP', destination: 'a***@e***.com' });
    expect(new Date(signup.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(new Date(signup.resendAvailableAt).getTime()).toBeGreaterThan(Date.now() + 50_000);

    const mail = await t.inbox.waitForMail('ada.lovelace@example.com');
    expect(mail.from).toBe('no-reply@warden.test');
    expect(mail.html).toContain(codeFrom(mail));
    const code = codeFrom(mail);
    expect(code).toMatch(/^\d{6}$/);

    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: signup.challengeId, code } });
    expect(verifyOtp.user).toMatchObject({ email: 'ada.lovelace@example.com', emailVerified: true, name: 'Ada' });
    expect(verifyOtp.user.organization).toMatchObject({ name: 'Analytical Engines', teamSize: '1-10', logoUrl: 'https://example.com/logo.png' });
    expect(client.cookies.get('warden_refresh')).toBe(verifyOtp.refreshToken);

    client.accessToken = verifyOtp.accessToken;
    const { viewer } = await client.query(ViewerDocument);
    expect(viewer?.id).toBe(verifyOtp.user.id);
    expect(viewer?.sessions).toHaveLength(1);
    expect(viewer?.sessions[0]).toMatchObject({ current: true, userAgent: 'jest-browser/1.0', ip: '127.0.0.1' });
  });

  test('viewer is null without credentials', async () => {
    const { viewer } = await t.client().query(ViewerDocument);
    expect(viewer).toBeNull();
  });

  test('a taken email gets the same answer shape, no code, and its owner is told by email', async () => {
    const client = t.client();
    const first = await client.request(SignupDocument, { input: { email: 'taken@example.com', password: 'correct horse battery staple' } });
    const firstMail = await t.inbox.waitForMail('taken@example.com', 1);
    const second = await client.request(SignupDocument, { input: { email: 'TAKEN@example.com', password: 'another long passphrase' } });
    expect(Object.keys(second.signup).sort()).toEqual(Object.keys(first.signup).sort());
    expect(second.signup).toMatchObject({ channel: 'EMAIL', purpose: 'SIGNUP', destination: first.signup.destination });
    expect(second.signup.challengeId).not.toBe(first.signup.challengeId);
    const notice = await t.inbox.waitForMail('taken@example.com', 2);
    expect(notice.subject).toMatch(/sign-up attempt/);
    expect(notice.text).not.toMatch(/code is/);
    // The first account's code cannot verify the decoy challenge.
    const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: second.signup.challengeId, code: codeFrom(firstMail) } }));
    expect(err.code).toBe('INVALID_OTP');
  });

  test('resendOtp before the cooldown is RATE_LIMITED with retryAfter', async () => {
    const client = t.client();
    const { signup } = await client.request(SignupDocument, { input: { email: 'resend@example.com', password: 'correct horse battery staple' } });
    const err = await client.error(client.request(ResendOtpDocument, { challengeId: signup.challengeId }));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.extensions.retryAfter).toBeGreaterThan(50);
    expect(err.extensions.retryAfter).toBeLessThanOrEqual(60);
  });
});
