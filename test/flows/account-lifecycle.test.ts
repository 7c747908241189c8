import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeFrom, linkFrom, type ReceivedMail } from '../support/smtp-inbox';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import { startOidcOp, type FakeOp } from '../support/oidc-provider';
import { OAuthBrowser, pkcePair } from '../support/oauth-browser';
import { SoftAuthenticator } from '../support/soft-authenticator';
import type { WardenClient } from '../support/graphql-client';
import { codeAt } from '../support/totp-ref';
import { statementsDuring } from '../support/statements';
import { KnownDevices } from '../../src/modules/account/known-devices';
import {
  ConfirmTotpEnrollmentDocument,
  StartTotpEnrollmentDocument,
  CompleteOAuthDocument,
  FinishPasskeyAuthenticationDocument,
  FinishPasskeyRegistrationDocument,
  StartOAuthDocument,
  StartPasskeyAuthenticationDocument,
  StartPasskeyRegistrationDocument,
  ChangePasswordDocument,
  DeleteAccountDocument,
  ExportAccountDataDocument,
  LoginDocument,
  RecoverAccountDocument,
  RefreshSessionDocument,
  RequestAccountRecoveryDocument,
  RequestEmailChangeDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  RequestPhoneChangeDocument,
  ResetPasswordDocument,
  SetPasswordDocument,
  SignupDocument,
  UndoEmailChangeDocument,
  UpdateProfileDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  ViewerBasicDocument,
  ViewerSecurityEventsDocument,
  type ViewerSecurityEventsQuery,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const REAUTH_MAX_AGE_SECONDS = 300;
const DAY_S = 86_400;
/** Every request of this file comes from one device and network, except where a test says otherwise (new-device notices). */
const DEVICE = { 'x-forwarded-for': '198.51.100.7', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0' };

/** The account lifecycle (issue #12) over HTTP, on real PostgreSQL, Redis, SMTP and the Twilio fake. */
describe('account lifecycle', () => {
  let t: TestApp;
  let op: FakeOp;
  beforeAll(async () => {
    // A real OpenID Provider as `google`, for provider sign-in of accounts in their lifecycle.
    op = await startOidcOp({
      clients: [{ client_id: 'warden', client_secret: 'google-secret', redirect_uris: ['http://warden.test/oauth/callback/google'] }],
      accounts: {},
    });
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        REAUTH_MAX_AGE_SECONDS: String(REAUTH_MAX_AGE_SECONDS),
        TRUST_PROXY: '1',
        RATE_LIMIT_SENDS_PER_HOUR: '100',
        OAUTH_GOOGLE_CLIENT_ID: 'warden',
        OAUTH_GOOGLE_CLIENT_SECRET: 'google-secret',
        OAUTH_GOOGLE_ISSUER: op.issuer,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await op?.close();
  });

  const mailWith = async (to: string, subject: RegExp, count = 1): Promise<ReceivedMail> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = t.inbox.mailsTo(to).filter((m) => subject.test(m.subject));
      if (found.length >= count) return found[count - 1]!;
      if (Date.now() > deadline) throw new Error(`no mail ${subject} #${count} to ${to}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const count = async (table: string, where: string, params: unknown[]): Promise<number> =>
    (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table(table)} WHERE ${where}`, params))[0].n;
  /** Signs up from its own device and network, so new-device notices stay out of the other tests' way. */
  const newAccount = async (email = uniqueEmail('acct')) => {
    const client = t.client(DEVICE);
    const payload = await signUpAndVerify(t, client, email);
    return { client, email, payload };
  };
  const signedInAgain = async (email: string) => {
    const client = t.client(DEVICE);
    const payload = await logIn(t, client, email);
    return { client, payload };
  };
  /** Google sign-in as the provider account with `email` (verified): through the browser, then completeOAuth. */
  const googleSignIn = async (client: WardenClient, email: string) => {
    op.accounts.set(`sub-${email}`, { email, email_verified: true, name: 'Ada Lovelace' });
    op.loginAs = `sub-${email}`;
    const { codeChallenge, codeVerifier } = pkcePair();
    const { startOAuth } = await client.request(StartOAuthDocument, {
      input: { provider: 'google', redirectTo: 'http://app.test/oauth/callback', codeChallenge },
    });
    const landing = await new OAuthBrowser('http://warden.test', t.url, ['http://app.test']).navigate(startOAuth.authorizationUrl);
    if (landing.kind !== 'app') throw new Error(`provider sign-in landed on a ${landing.status} page`);
    const code = landing.url.searchParams.get('code');
    return { code, codeVerifier, error: landing.url.searchParams.get('error'), reason: landing.url.searchParams.get('reason') };
  };
  /** Registers a passkey on a fresh software authenticator for the signed-in client. */
  const addPasskey = async (client: WardenClient) => {
    const authenticator = new SoftAuthenticator('http://app.test');
    const { startPasskeyRegistration: reg } = await client.request(StartPasskeyRegistrationDocument);
    const { finishPasskeyRegistration } = await client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: reg.challengeId, response: authenticator.register(reg.options).response, name: 'Laptop' },
    });
    return { authenticator, passkey: finishPasskeyRegistration };
  };
  const withStaleAuthentication = async (fn: () => Promise<void>) => {
    clock.advance(REAUTH_MAX_AGE_SECONDS + 1);
    try {
      await fn();
    } finally {
      clock.advance(-(REAUTH_MAX_AGE_SECONDS + 1));
    }
  };

  describe('profile and password', () => {
    test('updateProfile changes the name with the signup input checks', async () => {
      const { client } = await newAccount();
      const { updateProfile } = await client.request(UpdateProfileDocument, { input: { name: '  Ada Lovelace ' } });
      expect(updateProfile.name).toBe('Ada Lovelace');
      expect((await client.error(client.request(UpdateProfileDocument, { input: { name: 'x'.repeat(201) } }))).code).toBe('BAD_USER_INPUT');
      const anonymous = t.client(DEVICE);
      expect((await anonymous.error(anonymous.request(UpdateProfileDocument, { input: { name: 'Eve' } }))).code).toBe('UNAUTHENTICATED');
    });

    test('changePassword: the current password is required; other sessions die at once, codes are voided, a notice is mailed', async () => {
      const { client, email } = await newAccount();
      const other = await signedInAgain(email);
      // An outstanding LOGIN code, requested before the change.
      const before = t.inbox.mailsTo(email).length;
      const { login } = await t.client(DEVICE).request(LoginDocument, { input: { email, password: PASSWORD } });
      const pendingCode = codeFrom(await t.inbox.waitForMail(email, before + 1));
      // An outstanding magic link and password-reset link, mailed before the change (the waysIn hooks void them).
      const requester = t.client(DEVICE);
      await requester.request(RequestMagicLinkDocument, { input: { email } });
      const magicToken = linkFrom(await t.inbox.waitForMail(email, before + 2)).searchParams.get('token')!;
      await requester.request(RequestPasswordResetDocument, { input: { email } });
      const resetToken = linkFrom(await t.inbox.waitForMail(email, before + 3)).searchParams.get('token')!;
      expect(magicToken).toBeTruthy();
      expect(resetToken).toBeTruthy();

      expect(
        (await client.error(client.request(ChangePasswordDocument, { input: { currentPassword: 'wrong password!!', newPassword: 'a brand new passphrase' } })))
          .code,
      ).toBe('INVALID_CREDENTIALS');
      expect((await client.error(client.request(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: 'short' } }))).code).toBe(
        'WEAK_PASSWORD',
      );

      const { changePassword } = await client.request(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' } });
      client.accessToken = changePassword.accessToken;
      expect((await client.query(ViewerBasicDocument)).viewer?.email).toBe(email);
      // The other session: its access token and its refresh token are dead at once.
      expect((await other.client.error(other.client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
      const refresher = t.client(DEVICE);
      expect((await refresher.error(refresher.request(RefreshSessionDocument, { refreshToken: other.payload.refreshToken }))).code).toBe('INVALID_TOKEN');
      const stale = t.client(DEVICE);
      // The magic link and the reset link sent before the change are void too.
      expect((await stale.error(stale.request(VerifyMagicLinkDocument, { token: magicToken }))).code).toBe('INVALID_TOKEN');
      expect((await stale.error(stale.request(ResetPasswordDocument, { input: { token: resetToken, newPassword: 'an attacker passphrase 1' } }))).code).toBe(
        'INVALID_TOKEN',
      );
      // The code sent before the change no longer works.
      expect((await stale.error(stale.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: pendingCode } }))).code).toBe('OTP_EXPIRED');
      await mailWith(email, /password was changed/);
      // The old password fails, the new one signs in.
      expect((await stale.error(stale.request(LoginDocument, { input: { email, password: PASSWORD } }))).code).toBe('INVALID_CREDENTIALS');
      await logIn(t, t.client(DEVICE), email, 'a brand new passphrase');
    });

    test('setPassword: for an account without a password, with recent authentication; refused when one is set', async () => {
      const phone = uniquePhone();
      const client = t.client(DEVICE);
      const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone } });
      await new Promise((r) => setTimeout(r, 50));
      const text = t.twilio.textsTo(phone).at(-1)!;
      const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFromText(text) } });
      client.accessToken = verifyOtp.accessToken;
      expect((await client.query(ViewerSecurityEventsDocument, { first: 1 })).viewer?.hasPassword).toBe(false);
      await withStaleAuthentication(async () => {
        const err = await client.error(client.request(SetPasswordDocument, { input: { newPassword: 'phone people need one too' } }));
        expect(err.code).toBe('REAUTHENTICATION_REQUIRED');
        expect(err.extensions.maxAgeSeconds).toBe(REAUTH_MAX_AGE_SECONDS);
      });
      const { setPassword } = await client.request(SetPasswordDocument, { input: { newPassword: 'phone people need one too' } });
      client.accessToken = setPassword.accessToken;
      expect((await client.query(ViewerSecurityEventsDocument, { first: 1 })).viewer?.hasPassword).toBe(true);
      expect((await client.error(client.request(SetPasswordDocument, { input: { newPassword: 'yet another passphrase' } }))).code).toBe('BAD_USER_INPUT');
    });
  });

  describe('email change', () => {
    test('the new address gets a code, the old one an undo link; verifyOtp switches (verified); the undo link works after that, once', async () => {
      const { client, email } = await newAccount();
      const other = await signedInAgain(email);
      const newEmail = uniqueEmail('moved');
      const { requestEmailChange } = await client.request(RequestEmailChangeDocument, { input: { newEmail } });
      expect(requestEmailChange).toMatchObject({ channel: 'EMAIL', purpose: 'EMAIL_CHANGE' });
      const code = codeFrom(await t.inbox.waitForMail(newEmail, 1));
      const notice = await mailWith(email, /email address is being changed/);
      const undoLink = linkFrom(notice);
      expect(undoLink.origin + undoLink.pathname).toBe('http://app.test/account/undo-email');

      const { verifyOtp } = await t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: requestEmailChange.challengeId, code } });
      expect(verifyOtp.user).toMatchObject({ email: newEmail, emailVerified: true });

      const anyone = t.client(DEVICE);
      expect(await anyone.request(UndoEmailChangeDocument, { token: undoLink.searchParams.get('token')! })).toEqual({ undoEmailChange: { ok: true } });
      // The old address is back, and every session ended (the one that asked, the other one, the new one).
      for (const c of [client, other.client]) expect((await c.error(c.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
      const fresh = t.client(DEVICE);
      fresh.accessToken = verifyOtp.accessToken;
      expect((await fresh.error(fresh.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
      const back = await signedInAgain(email);
      expect(back.payload.user.email).toBe(email);
      // Once only.
      expect((await anyone.error(anyone.request(UndoEmailChangeDocument, { token: undoLink.searchParams.get('token')! }))).code).toBe('INVALID_TOKEN');
      expect((await anyone.error(anyone.request(UndoEmailChangeDocument, { token: 'not-a-token' }))).code).toBe('INVALID_TOKEN');
    });

    test('recent authentication is required', async () => {
      const { client } = await newAccount();
      await withStaleAuthentication(async () => {
        expect((await client.error(client.request(RequestEmailChangeDocument, { input: { newEmail: uniqueEmail() } }))).code).toBe('REAUTHENTICATION_REQUIRED');
      });
    });

    test('a taken address answers alike, gets no code, and its owner is told', async () => {
      const owner = await newAccount();
      const { client, email } = await newAccount();
      const free = uniqueEmail('free');
      const ownerMailsBefore = t.inbox.mailsTo(owner.email).length;
      const { requestEmailChange: real } = await client.request(RequestEmailChangeDocument, { input: { newEmail: free } });
      const { requestEmailChange: taken } = await client.request(RequestEmailChangeDocument, { input: { newEmail: owner.email } });
      expect(Object.keys(taken).sort()).toEqual(Object.keys(real).sort());
      expect(taken).toMatchObject({ channel: 'EMAIL', purpose: 'EMAIL_CHANGE' });
      const told = await t.inbox.waitForMail(owner.email, ownerMailsBefore + 1);
      expect(told.subject).toMatch(/someone tried to use your address/);
      expect(told.text).not.toMatch(/code is/);
      // No code can finish the decoy, and the account keeps its address.
      const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: taken.challengeId, code: '000000' } }));
      expect(err.code).toBe('INVALID_OTP');
      expect((await client.query(ViewerBasicDocument)).viewer?.email).toBe(email);
    });

    test('SMTP refusing: SERVICE_UNAVAILABLE, and neither the code nor the undo link was left usable', async () => {
      const { client, payload } = await newAccount();
      const newEmail = uniqueEmail('refused');
      t.inbox.refuse();
      try {
        expect((await client.error(client.request(RequestEmailChangeDocument, { input: { newEmail } }))).code).toBe('SERVICE_UNAVAILABLE');
      } finally {
        t.inbox.accept();
      }
      expect(await count('otp_challenges', `user_id = $1 AND purpose = 'EMAIL_CHANGE' AND consumed_at IS NULL`, [payload.user.id])).toBe(0);
      expect(await count('contact_changes', 'user_id = $1 AND undone_at IS NULL', [payload.user.id])).toBe(0);
      expect((await client.query(ViewerBasicDocument)).viewer?.email).toBe(payload.user.email);
    });

    test('recoverAccount takes only ACCOUNT_RECOVERY codes', async () => {
      const { client } = await newAccount();
      const newEmail = uniqueEmail('wrong-purpose');
      const { requestEmailChange } = await client.request(RequestEmailChangeDocument, { input: { newEmail } });
      const code = codeFrom(await t.inbox.waitForMail(newEmail, 1));
      const err = await client.error(t.client(DEVICE).request(RecoverAccountDocument, { input: { challengeId: requestEmailChange.challengeId, code } }));
      expect(err.code).toBe('BAD_USER_INPUT');
    });

    test('two pending changes to one address: only one wins', async () => {
      const a = await newAccount();
      const b = await newAccount();
      const target = uniqueEmail('contested');
      const { requestEmailChange: ca } = await a.client.request(RequestEmailChangeDocument, { input: { newEmail: target } });
      const { requestEmailChange: cb } = await b.client.request(RequestEmailChangeDocument, { input: { newEmail: target } });
      const mails = [await t.inbox.waitForMail(target, 1), await t.inbox.waitForMail(target, 2)];
      // The codes arrive in request order.
      const results = await Promise.allSettled([
        t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: ca.challengeId, code: codeFrom(mails[0]!) } }),
        t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: cb.challengeId, code: codeFrom(mails[1]!) } }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(loser.reason.info.code).toBe('BAD_USER_INPUT');
      expect(await count('users', 'email = $1', [target])).toBe(1);
    });
  });

  test('requestPhoneChange texts a PHONE_CHANGE code; verifyOtp sets the phone verified', async () => {
    const { client } = await newAccount();
    const phone = uniquePhone();
    const { requestPhoneChange } = await client.request(RequestPhoneChangeDocument, { input: { phone } });
    expect(requestPhoneChange).toMatchObject({ channel: 'SMS', purpose: 'PHONE_CHANGE' });
    await new Promise((r) => setTimeout(r, 50));
    const { verifyOtp } = await t.client(DEVICE).request(VerifyOtpDocument, {
      input: { challengeId: requestPhoneChange.challengeId, code: codeFromText(t.twilio.textsTo(phone).at(-1)!) },
    });
    expect(verifyOtp.user).toMatchObject({ phone, phoneVerified: true });
  });

  describe('deletion and recovery', () => {
    test('a deleted account signs in by no path, refreshes no token, and is invisible to enumeration', async () => {
      const { client, email, payload } = await newAccount();
      // Codes and links requested before the deletion, finished after it.
      const before = t.inbox.mailsTo(email).length;
      const { requestOtp: early } = await t.client(DEVICE).request(RequestOtpDocument, { input: { email } });
      const earlyCode = codeFrom(await t.inbox.waitForMail(email, before + 1));

      const { deleteAccount } = await client.request(DeleteAccountDocument);
      expect(new Date(deleteAccount.scheduledAt).getTime()).toBeCloseTo(clock.now().getTime() + 30 * DAY_S * 1000, -4);
      await mailWith(email, /your account was deleted/);
      expect((await client.error(client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
      const anyone = t.client(DEVICE);
      expect((await anyone.error(anyone.request(RefreshSessionDocument, { refreshToken: payload.refreshToken }))).code).toBe('INVALID_TOKEN');
      expect((await anyone.error(anyone.request(VerifyOtpDocument, { input: { challengeId: early.challengeId, code: earlyCode } }))).code).toBe('OTP_EXPIRED');

      // Password (then its code): refused at the session.
      let n = t.inbox.mailsTo(email).length;
      const { login } = await anyone.request(LoginDocument, { input: { email, password: PASSWORD } });
      const loginCode = codeFrom(await t.inbox.waitForMail(email, n + 1));
      const refused = await anyone.error(anyone.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: loginCode } }));
      expect(refused.code).toBe('FORBIDDEN');
      expect(refused.extensions.reason).toBe('ACCOUNT_DELETED');
      // A passwordless code.
      n = t.inbox.mailsTo(email).length;
      const { requestOtp } = await anyone.request(RequestOtpDocument, { input: { email } });
      const otpCode = codeFrom(await t.inbox.waitForMail(email, n + 1));
      // (Its one-statement sign-in finds no live account and writes nothing; the transaction path refuses.)
      const refusedOtp = await anyone.error(anyone.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: otpCode } }));
      expect({ code: refusedOtp.code, reason: refusedOtp.extensions.reason }).toEqual({ code: 'FORBIDDEN', reason: 'ACCOUNT_DELETED' });
      // A magic link.
      n = t.inbox.mailsTo(email).length;
      await anyone.request(RequestMagicLinkDocument, { input: { email } });
      const link = linkFrom(await t.inbox.waitForMail(email, n + 1));
      expect((await anyone.error(anyone.request(VerifyMagicLinkDocument, { token: link.searchParams.get('token')! }))).code).toBe('FORBIDDEN');
      expect(await count('sessions', 'user_id = $1 AND revoked_at IS NULL', [payload.user.id])).toBe(0);
      // A password reset answers like for an unknown email, and mails nothing.
      n = t.inbox.mailsTo(email).length;
      const { requestPasswordReset } = await anyone.request(RequestPasswordResetDocument, { input: { email } });
      expect(requestPasswordReset).toMatchObject({ channel: 'EMAIL', purpose: 'PASSWORD_RESET' });
      await new Promise((r) => setTimeout(r, 300));
      expect(t.inbox.mailsTo(email)).toHaveLength(n);

      // Signup still answers "taken" (same shape as a new address) and tells the owner.
      n = t.inbox.mailsTo(email).length;
      const { signup } = await anyone.request(SignupDocument, { input: { email, password: PASSWORD } });
      expect(signup).toMatchObject({ channel: 'EMAIL', purpose: 'SIGNUP' });
      expect((await t.inbox.waitForMail(email, n + 1)).subject).toMatch(/sign-up attempt/);
    });

    test('a deleted account is refused on provider sign-in and passkey sign-in too', async () => {
      const { client, email, payload } = await newAccount();
      // Google links to the account by its verified email; a passkey is registered.
      const linked = await googleSignIn(t.client(DEVICE), email);
      expect(linked.code).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const { completeOAuth } = await t.client(DEVICE).request(CompleteOAuthDocument, { input: { code: linked.code!, codeVerifier: linked.codeVerifier } });
      expect(completeOAuth.user.id).toBe(payload.user.id);
      const { authenticator } = await addPasskey(client);

      await client.request(DeleteAccountDocument);
      await mailWith(email, /your account was deleted/);
      const anyone = t.client(DEVICE);
      // Provider sign-in: the callback hands out a Warden code; completeOAuth is refused at the session.
      const provider = await googleSignIn(anyone, email);
      expect(provider.code).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const refusedOAuth = await anyone.error(anyone.request(CompleteOAuthDocument, { input: { code: provider.code!, codeVerifier: provider.codeVerifier } }));
      expect({ code: refusedOAuth.code, reason: refusedOAuth.extensions.reason }).toEqual({ code: 'FORBIDDEN', reason: 'ACCOUNT_DELETED' });
      // Passkey sign-in (usernameless, with user verification).
      const { startPasskeyAuthentication: start } = await anyone.request(StartPasskeyAuthenticationDocument, { input: {} });
      const refused = await anyone.error(
        anyone.request(FinishPasskeyAuthenticationDocument, { input: { challengeId: start.challengeId, response: authenticator.assert(start.options) } }),
      );
      expect({ code: refused.code, reason: refused.extensions.reason }).toEqual({ code: 'FORBIDDEN', reason: 'ACCOUNT_DELETED' });
      expect(await count('sessions', 'user_id = $1 AND revoked_at IS NULL', [payload.user.id])).toBe(0);
    });

    test('requestAccountRecovery answers alike for every email; only an account pending deletion gets a code; recoverAccount restores and signs in', async () => {
      const live = await newAccount();
      const deleted = await newAccount();
      await deleted.client.request(DeleteAccountDocument);
      await mailWith(deleted.email, /your account was deleted/);
      const deletedBefore = t.inbox.mailsTo(deleted.email).length;
      const unknown = uniqueEmail('nobody');
      const anyone = t.client(DEVICE);
      const liveBefore = t.inbox.mailsTo(live.email).length;
      const answers = [];
      for (const email of [unknown, live.email, deleted.email])
        answers.push((await anyone.request(RequestAccountRecoveryDocument, { input: { email } })).requestAccountRecovery);
      for (const a of answers) expect(Object.keys(a).sort()).toEqual(['challengeId', 'channel', 'destination', 'expiresAt', 'purpose', 'resendAvailableAt']);
      for (const a of answers) expect(a).toMatchObject({ channel: 'EMAIL', purpose: 'ACCOUNT_RECOVERY' });
      const code = codeFrom(await t.inbox.waitForMail(deleted.email, deletedBefore + 1));
      expect(t.inbox.mailsTo(unknown)).toHaveLength(0);
      expect(t.inbox.mailsTo(live.email)).toHaveLength(liveBefore);
      expect((await anyone.error(anyone.request(RecoverAccountDocument, { input: { challengeId: answers[0]!.challengeId, code } }))).code).toBe('INVALID_OTP');

      const { recoverAccount } = await anyone.request(RecoverAccountDocument, { input: { challengeId: answers[2]!.challengeId, code } });
      anyone.accessToken = recoverAccount.accessToken;
      expect((await anyone.query(ViewerBasicDocument)).viewer?.email).toBe(deleted.email);
      await signedInAgain(deleted.email);
    });

    test('recovery works until the grace period ends; after it the runner erases the account and everything tied to it', async () => {
      const { client, email, payload } = await newAccount();
      const userId = payload.user.id;
      await client.request(RequestEmailChangeDocument, { input: { newEmail: uniqueEmail('pending') } });
      await client.request(DeleteAccountDocument);
      await mailWith(email, /your account was deleted/);
      const anyone = t.client(DEVICE);
      // Two minutes before the grace period ends, a recovery code is requested; three minutes later (the code
      // itself still valid) the grace period is over.
      clock.advance(30 * DAY_S - 120);
      try {
        const before = t.inbox.mailsTo(email).length;
        const { requestAccountRecovery } = await anyone.request(RequestAccountRecoveryDocument, { input: { email } });
        const code = codeFrom(await t.inbox.waitForMail(email, before + 1));
        clock.advance(180);
        const late = await anyone.error(anyone.request(RecoverAccountDocument, { input: { challengeId: requestAccountRecovery.challengeId, code } }));
        expect(late).toMatchObject({ code: 'OTP_EXPIRED', message: 'The grace period is over.' });
        await t.app.maintenance.runOnce();
        const tables = ['sessions', 'password_credentials', 'otp_challenges', 'magic_link_tokens', 'password_reset_tokens', 'contact_changes', 'known_devices'];
        for (const table of tables) expect([table, await count(table, 'user_id = $1', [userId])]).toEqual([table, 0]);
        expect(await count('users', 'id = $1', [userId])).toBe(0);
        expect(await count('refresh_tokens', `session_id IN (SELECT id FROM ${t.table('sessions')} WHERE user_id = $1)`, [userId])).toBe(0);
        expect(await count('audit_events', 'user_id = $1', [userId])).toBe(0);
        expect(await count('audit_events', `data::text LIKE $1`, [`%${userId}%`])).toBe(0);
        expect(await count('audit_events', `event = 'account.erased' AND user_id IS NULL`, [])).toBeGreaterThan(0);
        // Idempotent: a second run finds nothing; the address is free again and answers recovery alike.
        await t.app.maintenance.runOnce();
        const again = await anyone.request(RequestAccountRecoveryDocument, { input: { email } });
        expect(again.requestAccountRecovery.purpose).toBe('ACCOUNT_RECOVERY');
      } finally {
        clock.advance(-(30 * DAY_S + 60));
      }
    });

    test('verifyOtp finishes an ACCOUNT_RECOVERY challenge too, with an AuthPayload', async () => {
      const { client, email } = await newAccount();
      await client.request(DeleteAccountDocument);
      await mailWith(email, /your account was deleted/);
      const before = t.inbox.mailsTo(email).length;
      const anyone = t.client(DEVICE);
      const { requestAccountRecovery } = await anyone.request(RequestAccountRecoveryDocument, { input: { email } });
      const code = codeFrom(await t.inbox.waitForMail(email, before + 1));
      const { verifyOtp } = await anyone.request(VerifyOtpDocument, { input: { challengeId: requestAccountRecovery.challengeId, code } });
      anyone.accessToken = verifyOtp.accessToken;
      expect((await anyone.query(ViewerBasicDocument)).viewer?.email).toBe(email);
    });

    test('deleteAccount needs recent authentication', async () => {
      const { client } = await newAccount();
      await withStaleAuthentication(async () => {
        expect((await client.error(client.request(DeleteAccountDocument))).code).toBe('REAUTHENTICATION_REQUIRED');
      });
      expect((await client.query(ViewerBasicDocument)).viewer).not.toBeNull();
    });
  });

  test('exportAccountData holds the account and no secret (hash, token or code values); once an hour', async () => {
    const { client, email, payload } = await newAccount();
    await client.request(UpdateProfileDocument, { input: { name: 'Export Me' } });
    const newEmail = uniqueEmail('export');
    const { requestEmailChange } = await client.request(RequestEmailChangeDocument, { input: { newEmail } });
    const code = codeFrom(await t.inbox.waitForMail(newEmail, 1));
    const undoToken = linkFrom(await mailWith(email, /being changed/)).searchParams.get('token')!;
    // The other capabilities' sections: a linked Google account, a passkey, an authenticator app.
    const google = await googleSignIn(t.client(DEVICE), email);
    await t.client(DEVICE).request(CompleteOAuthDocument, { input: { code: google.code!, codeVerifier: google.codeVerifier } });
    const { passkey } = await addPasskey(client);
    const { startTotpEnrollment: totp } = await client.request(StartTotpEnrollmentDocument);
    const { confirmTotpEnrollment } = await client.request(ConfirmTotpEnrollmentDocument, {
      input: { factorId: totp.factorId, code: codeAt(totp.secret, clock.now()), name: 'Phone' },
    });
    const { exportAccountData } = await client.request(ExportAccountDataDocument);
    const text = JSON.stringify(exportAccountData);
    expect(exportAccountData).toMatchObject({
      profile: { id: payload.user.id, email, name: 'Export Me' },
      password: { set: true },
      identities: [{ provider: 'google', email }],
      mfaFactors: [{ id: totp.factorId, type: 'TOTP', name: 'Phone' }],
      passkeys: [{ id: passkey.id, type: 'PASSKEY', name: 'Laptop' }],
    });
    for (const section of ['identities', 'mfaFactors', 'passkeys'])
      for (const entry of (exportAccountData as Record<string, object[]>)[section]!)
        expect(Object.keys(entry).every((k) => ['id', 'type', 'name', 'provider', 'email', 'createdAt', 'lastUsedAt'].includes(k))).toBe(true);
    expect((exportAccountData as { sessions: unknown[] }).sessions.length).toBeGreaterThan(0);
    expect((exportAccountData as { securityEvents: { type: string }[] }).securityEvents.map((e) => e.type)).toContain('user.profile_updated');

    const secrets: string[] = [payload.refreshToken, payload.accessToken, code, undoToken, undoToken.split('.')[1]!, PASSWORD];
    const rows = async (sql: string) => (await t.app.dataSource.query(sql, [payload.user.id])).map((r: { v: string }) => r.v).filter(Boolean);
    secrets.push(...(await rows(`SELECT password_hash AS v FROM ${t.table('password_credentials')} WHERE user_id = $1`)));
    secrets.push(...(await rows(`SELECT code_hash AS v FROM ${t.table('otp_challenges')} WHERE user_id = $1`)));
    secrets.push(...(await rows(`SELECT undo_secret_hash AS v FROM ${t.table('contact_changes')} WHERE user_id = $1`)));
    secrets.push(...(await rows(`SELECT fingerprint AS v FROM ${t.table('known_devices')} WHERE user_id = $1`)));
    secrets.push(totp.secret, totp.secret.toLowerCase(), ...confirmTotpEnrollment.codes);
    secrets.push(...(await rows(`SELECT secret_ciphertext AS v FROM ${t.table('mfa_factors')} WHERE user_id = $1`)));
    secrets.push(...(await rows(`SELECT subject AS v FROM ${t.table('oauth_identities')} WHERE user_id = $1`)));
    secrets.push(...(await rows(`SELECT credential_id AS v FROM ${t.table('passkeys')} WHERE user_id = $1`)));
    for (const key of (await t.app.dataSource.query(`SELECT public_key FROM ${t.table('passkeys')} WHERE user_id = $1`, [payload.user.id])) as {
      public_key: Buffer;
    }[])
      secrets.push(key.public_key.toString('base64'), key.public_key.toString('base64url'), key.public_key.toString('hex'));
    secrets.push(
      ...(await rows(
        `SELECT r.secret_hash AS v FROM ${t.table('refresh_tokens')} r JOIN ${t.table('sessions')} s ON s.id = r.session_id WHERE s.user_id = $1`,
      )),
    );
    expect(secrets.length).toBeGreaterThanOrEqual(9 + 2 + 10 + 3 + 3);
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    expect(requestEmailChange.challengeId).toBeTruthy();

    const again = await client.error(client.request(ExportAccountDataDocument));
    expect(again.code).toBe('RATE_LIMITED');
    expect(again.extensions.retryAfter).toBeGreaterThan(0);
  });

  test('User.securityEvents pages through the audit trail, newest first, by cursor', async () => {
    const { client, email } = await newAccount();
    await client.request(UpdateProfileDocument, { input: { name: 'One' } });
    await client.request(UpdateProfileDocument, { input: { name: 'Two' } });
    await t.client(DEVICE).error(t.client(DEVICE).request(LoginDocument, { input: { email, password: 'not the password' } }));
    const all: { id: string; type: string; outcome: string; method?: string | null; createdAt: string }[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const result: ViewerSecurityEventsQuery = await client.query(ViewerSecurityEventsDocument, { first: 2, after });
      const page = result.viewer!.securityEvents;
      expect(page.nodes.length).toBeLessThanOrEqual(2);
      all.push(...page.nodes);
      pages += 1;
      if (!page.hasNextPage) break;
      after = page.endCursor!;
    }
    expect(pages).toBeGreaterThan(2);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    const times = all.map((e) => new Date(e.createdAt).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.map((e) => e.type)).toEqual(expect.arrayContaining(['user.profile_updated', 'session.created', 'login.password_checked', 'user.signed_up']));
    expect(all.filter((e) => e.type === 'user.profile_updated')).toHaveLength(2);
    expect(all.find((e) => e.type === 'session.created')).toMatchObject({ outcome: 'success', method: 'otp_email' });
    expect(all.find((e) => e.type === 'login.password_checked')).toMatchObject({ outcome: 'failure' });
    expect((await client.error(client.query(ViewerSecurityEventsDocument, { first: 2, after: 'garbage' }))).code).toBe('BAD_USER_INPUT');
    expect((await client.error(client.query(ViewerSecurityEventsDocument, { first: 500 }))).code).toBe('BAD_USER_INPUT');
  });

  test('a sign-in from a device and network not seen before mails "new sign-in"; a known one does not', async () => {
    const { email } = await newAccount();
    await signedInAgain(email); // the signup's device and network again
    const otherNetwork = t.client({ 'x-forwarded-for': '203.0.113.50', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0' });
    await logIn(t, otherNetwork, email);
    const notice = await mailWith(email, /new sign-in/);
    expect(notice.text).toContain('203.0.113.50');
    expect(notice.text).toContain('Firefox on Linux');
    expect(linkFrom(notice).toString()).toBe('http://app.test/settings/security');
    // Same /24, same browser family: known.
    await logIn(t, t.client({ 'x-forwarded-for': '203.0.113.99', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/122.0' }), email);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.inbox.mailsTo(email).filter((m) => /new sign-in/.test(m.subject))).toHaveLength(1);
  });

  test('two sign-ins racing from one new device: the device is remembered once and mailed about once', async () => {
    const { email } = await newAccount();
    const device = { 'x-forwarded-for': '192.0.2.60', 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15' };
    const started: { client: WardenClient; challengeId: string; code: string }[] = [];
    for (let i = 0; i < 2; i++) {
      const client = t.client(device);
      const before = t.inbox.mailsTo(email).length;
      const { requestOtp } = await client.request(RequestOtpDocument, { input: { email } });
      started.push({ client, challengeId: requestOtp.challengeId, code: codeFrom(await t.inbox.waitForMail(email, before + 1)) });
    }
    const signedIn = await Promise.all(started.map((s) => s.client.request(VerifyOtpDocument, { input: { challengeId: s.challengeId, code: s.code } })));
    expect(signedIn.map((s) => s.verifyOtp.user.email)).toEqual([email, email]);
    await mailWith(email, /new sign-in/);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.inbox.mailsTo(email).filter((m) => /new sign-in/.test(m.subject))).toHaveLength(1);
    const userId = signedIn[0]!.verifyOtp.user.id;
    expect(await count('known_devices', 'user_id = $1', [userId])).toBe(2); // the signup's device and this one
  });

  test('sign-ins finishing in one turn are remembered by one statement, each told what its own statement would have said', async () => {
    const a = await newAccount();
    const b = await newAccount();
    const [userA, userB] = [a.payload.user.id, b.payload.user.id];
    // Their signups' own notices run after the answer: wait until each account knows its signup device.
    const deadline = Date.now() + 10_000;
    while ((await count('known_devices', 'user_id = ANY($1)', [[userA, userB]])) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const devices = new KnownDevices(t.app.dataSource);
    const at = new Date();
    const { result, statements } = await statementsDuring(() =>
      Promise.all([
        devices.remember(userA, 'fp-new-a', at),
        devices.remember(userB, 'fp-new-b', at),
        devices.remember(userA, 'fp-new-a', at), // the same pair again in this turn: new once
        devices.remember(userA, 'fp-second-a', at), // counts the pair inserted before it in this turn
      ]),
    );
    expect(statements.filter((s) => /known_devices/.test(s))).toHaveLength(1);
    expect(result).toEqual([
      { inserted: true, others: 1 },
      { inserted: true, others: 1 },
      { inserted: false, others: 0 },
      { inserted: true, others: 2 },
    ]);
    // A later turn: the pair is known now, beside the signup's and fp-second-a.
    expect(await devices.remember(userA, 'fp-new-a', new Date())).toEqual({ inserted: false, others: 2 });
    expect(await devices.remember(userA, 'fp-other-a', new Date())).toEqual({ inserted: true, others: 3 });
  });
});
