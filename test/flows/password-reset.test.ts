import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom, linkFrom, type ReceivedMail } from '../support/smtp-inbox';
import { PASSWORD, TestClock, logIn, signUpAndVerify, uniqueEmail } from '../support/flows';
import type { WardenClient } from '../support/graphql-client';
import {
  LoginDocument,
  RefreshSessionDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  VerifyOtpDocument,
  ViewerDocument,
  type AuthPayloadFieldsFragment,
  type ChallengeFieldsFragment,
} from '../graphql/generated/graphql';

const NEW_PASSWORD = 'a brand new passphrase 42';

describe('password reset: requestPasswordReset → mailed code and link → resetPassword', () => {
  const clock = new TestClock();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now } });
  });
  afterAll(() => t.close());

  /** An account with two live sessions (two devices). */
  async function accountWithTwoSessions(label: string) {
    const email = uniqueEmail(label);
    const laptop = t.client();
    const phone = t.client();
    const first = await signUpAndVerify(t, laptop, email);
    const second = await logIn(t, phone, email);
    return { email, laptop, phone, sessions: [first, second] as AuthPayloadFieldsFragment[] };
  }

  async function requestReset(email: string): Promise<{ challenge: ChallengeFieldsFragment; mail: ReceivedMail; code: string; token: string }> {
    const before = t.inbox.mailsTo(email).length;
    const { requestPasswordReset } = await t.client().request(RequestPasswordResetDocument, { input: { email } });
    const mail = await t.inbox.waitForMail(email, before + 1);
    const link = linkFrom(mail);
    return { challenge: requestPasswordReset, mail, code: codeFrom(mail), token: link.searchParams.get('token')! };
  }

  /** Everything "reset worked" means, seen from the outside. */
  async function expectResetTookEffect(email: string, old: AuthPayloadFieldsFragment[], reset: AuthPayloadFieldsFragment) {
    // Every old session is dead: access tokens at once, refresh tokens too.
    for (const session of old) {
      const stale = t.client();
      stale.accessToken = session.accessToken;
      expect((await stale.error(stale.query(ViewerDocument))).code).toBe('UNAUTHENTICATED');
      const refresher = t.client();
      expect((await refresher.error(refresher.request(RefreshSessionDocument, { refreshToken: session.refreshToken }))).code).toBe('INVALID_TOKEN');
    }
    // The session resetPassword opened works and is the only one.
    const fresh = t.client();
    fresh.accessToken = reset.accessToken;
    const { viewer } = await fresh.query(ViewerDocument);
    expect(viewer?.id).toBe(old[0]!.user.id);
    expect(viewer?.sessions).toEqual([expect.objectContaining({ current: true })]);
    // The old password is refused, the new one works (and mails a LOGIN code).
    const client = t.client();
    expect((await client.error(client.request(LoginDocument, { input: { email, password: PASSWORD } }))).code).toBe('INVALID_CREDENTIALS');
    const { login } = await client.request(LoginDocument, { input: { email, password: NEW_PASSWORD } });
    expect(login).toMatchObject({ purpose: 'LOGIN', channel: 'EMAIL' });
    // The owner is told.
    const notice = await t.inbox.waitForSubject(email, /password was changed/);
    expect(notice.text).toMatch(/signed out/);
  }

  test('by code: sets the new password, ends every old session, signs in, and the link from the same mail is spent', async () => {
    const { email, sessions } = await accountWithTwoSessions('bycode');
    const { challenge, mail, code, token } = await requestReset(email);
    expect(challenge).toMatchObject({ channel: 'EMAIL', purpose: 'PASSWORD_RESET', destination: 'b***@e***.com' });
    expect(new Date(challenge.expiresAt).getTime() - clock.now().getTime()).toBeGreaterThan(29 * 60_000);
    expect(mail.subject).toBe('Reset your Warden password');
    expect(linkFrom(mail).toString().startsWith('http://app.test/auth/reset-password?token=')).toBe(true);
    expect(mail.html).toContain(`>${code}<`);

    const client = t.client();
    const { resetPassword } = await client.request(ResetPasswordDocument, { input: { challengeId: challenge.challengeId, code, newPassword: NEW_PASSWORD } });
    expect(resetPassword.user).toMatchObject({ id: sessions[0]!.user.id, email, emailVerified: true });
    expect(client.cookies.get('warden_refresh')).toBe(resetPassword.refreshToken);
    await expectResetTookEffect(email, sessions, resetPassword);

    const viaLink = await client.error(client.request(ResetPasswordDocument, { input: { token, newPassword: 'yet another passphrase 7' } }));
    expect(viaLink.code).toBe('INVALID_TOKEN');
    const again = await client.error(
      client.request(ResetPasswordDocument, { input: { challengeId: challenge.challengeId, code, newPassword: 'yet another passphrase 7' } }),
    );
    expect(again.code).toBe('OTP_EXPIRED');
  });

  test('by link: the same, and the code from the same mail is spent', async () => {
    const { email, sessions } = await accountWithTwoSessions('bylink');
    const { challenge, code, token } = await requestReset(email);
    const client = t.client();
    const { resetPassword } = await client.request(ResetPasswordDocument, { input: { token, newPassword: NEW_PASSWORD } });
    expect(resetPassword.user.id).toBe(sessions[0]!.user.id);
    await expectResetTookEffect(email, sessions, resetPassword);

    const viaCode = await client.error(
      client.request(ResetPasswordDocument, { input: { challengeId: challenge.challengeId, code, newPassword: 'yet another passphrase 7' } }),
    );
    expect(viaCode.code).toBe('OTP_EXPIRED');
    const again = await client.error(client.request(ResetPasswordDocument, { input: { token, newPassword: 'yet another passphrase 7' } }));
    expect(again.code).toBe('INVALID_TOKEN');
  });

  test('a newer request voids the older code and link', async () => {
    const email = uniqueEmail('newer');
    await signUpAndVerify(t, t.client(), email);
    const older = await requestReset(email);
    const newer = await requestReset(email);
    const client = t.client();
    expect((await client.error(client.request(ResetPasswordDocument, { input: { token: older.token, newPassword: NEW_PASSWORD } }))).code).toBe(
      'INVALID_TOKEN',
    );
    const code = await client.error(
      client.request(ResetPasswordDocument, { input: { challengeId: older.challenge.challengeId, code: older.code, newPassword: NEW_PASSWORD } }),
    );
    expect(code.code).toBe('OTP_EXPIRED');
    await client.request(ResetPasswordDocument, { input: { challengeId: newer.challenge.challengeId, code: newer.code, newPassword: NEW_PASSWORD } });
  });

  test('code and link are good for 30 minutes and not a second longer', async () => {
    const email = uniqueEmail('expiry');
    await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    try {
      const first = await requestReset(email);
      clock.advance(29 * 60 + 50);
      await client.request(ResetPasswordDocument, { input: { token: first.token, newPassword: NEW_PASSWORD } });

      const second = await requestReset(email);
      clock.advance(30 * 60 + 1);
      expect((await client.error(client.request(ResetPasswordDocument, { input: { token: second.token, newPassword: PASSWORD } }))).code).toBe('INVALID_TOKEN');
      const byCode = await client.error(
        client.request(ResetPasswordDocument, { input: { challengeId: second.challenge.challengeId, code: second.code, newPassword: PASSWORD } }),
      );
      expect(byCode.code).toBe('OTP_EXPIRED');
    } finally {
      clock.offsetMs = 0;
    }
  });

  test('five wrong codes lock the code; the link from the same mail still works', async () => {
    const email = uniqueEmail('locked');
    await signUpAndVerify(t, t.client(), email);
    const { challenge, code, token } = await requestReset(email);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const client = t.client();
    const left: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const err = await client.error(
        client.request(ResetPasswordDocument, { input: { challengeId: challenge.challengeId, code: wrong, newPassword: NEW_PASSWORD } }),
      );
      expect(err.code).toBe('INVALID_OTP');
      left.push(err.extensions.attemptsLeft);
    }
    expect(left).toEqual([4, 3, 2, 1, 0]);
    expect(
      (await client.error(client.request(ResetPasswordDocument, { input: { challengeId: challenge.challengeId, code, newPassword: NEW_PASSWORD } }))).code,
    ).toBe('OTP_EXPIRED');
    await client.request(ResetPasswordDocument, { input: { token, newPassword: NEW_PASSWORD } });
  });

  test('racing resets with one code: exactly one wins', async () => {
    const email = uniqueEmail('race');
    await signUpAndVerify(t, t.client(), email);
    const { challenge, code } = await requestReset(email);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) =>
        t.client().request(ResetPasswordDocument, { input: { challengeId: challenge.challengeId, code, newPassword: `racing passphrase number ${i}` } }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { info: { code: string } }).info.code).toBe('OTP_EXPIRED');
    // The notice is sent before resetPassword answers, so once the winner's has arrived every request that could
    // have sent one has answered: a second notice would already be here.
    await t.inbox.waitForSubject(email, /password was changed/);
    const notices = t.inbox.mailsTo(email).filter((m) => /password was changed/.test(m.subject));
    expect(notices).toHaveLength(1);
  });

  test('an unknown email gets the same kind of challenge and no mail; no code opens it', async () => {
    const known = uniqueEmail('known');
    await signUpAndVerify(t, t.client(), known);
    const unknown = uniqueEmail('unknown');
    const client = t.client();
    const real = await requestReset(known);
    const { requestPasswordReset: decoy } = await client.request(RequestPasswordResetDocument, { input: { email: unknown } });
    expect(Object.keys(decoy).sort()).toEqual(Object.keys(real.challenge).sort());
    expect(decoy).toMatchObject({ channel: 'EMAIL', purpose: 'PASSWORD_RESET', destination: 'u***@e***.com' });
    expect(Math.abs(new Date(decoy.expiresAt).getTime() - new Date(real.challenge.expiresAt).getTime())).toBeLessThan(60_000);
    const err = await client.error(
      client.request(ResetPasswordDocument, { input: { challengeId: decoy.challengeId, code: real.code, newPassword: NEW_PASSWORD } }),
    );
    expect(err).toMatchObject({ code: 'INVALID_OTP', extensions: expect.objectContaining({ attemptsLeft: 4 }) });
    expect(t.inbox.mailsTo(unknown)).toHaveLength(0);
  });

  describe('bad input changes nothing', () => {
    let email: string;
    let reset: Awaited<ReturnType<typeof requestReset>>;
    let client: WardenClient;
    beforeAll(async () => {
      email = uniqueEmail('badinput');
      await signUpAndVerify(t, t.client(), email);
      reset = await requestReset(email);
      client = t.client();
    });

    test.each([
      ['both code and token', () => ({ challengeId: reset.challenge.challengeId, code: reset.code, token: reset.token })],
      ['neither code nor token', () => ({})],
      ['challengeId without code', () => ({ challengeId: reset.challenge.challengeId })],
      ['code without challengeId', () => ({ code: reset.code })],
      ['a code that is not 6 digits', () => ({ challengeId: reset.challenge.challengeId, code: '12ab56' })],
      ['a challengeId that is not an id', () => ({ challengeId: 'not-an-id', code: reset.code })],
    ])('%s → BAD_USER_INPUT', async (_label, input) => {
      const err = await client.error(client.request(ResetPasswordDocument, { input: { ...input(), newPassword: NEW_PASSWORD } }));
      expect(err.code).toBe('BAD_USER_INPUT');
    });

    test.each([
      ['too short', 'short'],
      ['a common password', 'password123'],
    ])('a new password that is %s → WEAK_PASSWORD', async (_label, newPassword) => {
      const err = await client.error(client.request(ResetPasswordDocument, { input: { token: reset.token, newPassword } }));
      expect(err.code).toBe('WEAK_PASSWORD');
    });

    test.each([
      ['garbage', () => 'garbage'],
      ['a well-formed token nobody issued', () => `${crypto.randomUUID()}.${'A'.repeat(43)}`],
      ['the real token with its secret changed', () => reset.token.slice(0, -1) + (reset.token.endsWith('A') ? 'B' : 'A')],
    ])('%s → INVALID_TOKEN', async (_label, token) => {
      const err = await client.error(client.request(ResetPasswordDocument, { input: { token: token(), newPassword: NEW_PASSWORD } }));
      expect(err.code).toBe('INVALID_TOKEN');
    });

    test('a LOGIN challenge cannot reset a password, and a reset code cannot sign in through verifyOtp', async () => {
      const before = t.inbox.mailsTo(email).length;
      const { requestOtp } = await client.request(RequestOtpDocument, { input: { email } });
      const loginCode = codeFrom(await t.inbox.waitForMail(email, before + 1));
      const viaReset = await client.error(
        client.request(ResetPasswordDocument, { input: { challengeId: requestOtp.challengeId, code: loginCode, newPassword: NEW_PASSWORD } }),
      );
      expect(viaReset.code).toBe('BAD_USER_INPUT');
      const viaVerify = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: reset.challenge.challengeId, code: reset.code } }));
      expect(viaVerify.code).toBe('BAD_USER_INPUT');
    });

    test('after all that, the old password still works and the reset code is still good', async () => {
      await logIn(t, t.client(), email, PASSWORD);
      await client.request(ResetPasswordDocument, { input: { challengeId: reset.challenge.challengeId, code: reset.code, newPassword: NEW_PASSWORD } });
    });
  });
});
