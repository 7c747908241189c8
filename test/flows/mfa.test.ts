import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import { base32Decode, codeAt, totpRef } from '../support/totp-ref';
import type { WardenClient } from '../support/graphql-client';
import { startOidcOp, type FakeOp } from '../support/oidc-provider';
import { OAuthBrowser, pkcePair } from '../support/oauth-browser';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { opensTransaction, statementsDuring } from '../support/statements';
import {
  CompleteOAuthDocument,
  FinishPasskeyAuthenticationDocument,
  FinishPasskeyRegistrationDocument,
  StartOAuthDocument,
  StartPasskeyAuthenticationDocument,
  StartPasskeyRegistrationDocument,
  ConfirmTotpEnrollmentDocument,
  LoginDocument,
  RegenerateRecoveryCodesDocument,
  RemoveMfaFactorDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  RequestReauthenticationDocument,
  ResendOtpDocument,
  ResetPasswordDocument,
  StartTotpEnrollmentDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  VerifyRecoveryCodeDocument,
  ViewerMfaDocument,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString());
/** Moves the clock to the next 30-second step, so a fresh authenticator code is not a replay of the last one. */
const nextStep = () => clock.advance(30);
const code = (secret: string) => codeAt(secret, clock.now());

interface Enrolled {
  email: string;
  userId: string;
  secret: string;
  factorId: string;
  recoveryCodes: string[];
  client: WardenClient;
}

/**
 * Second factors over HTTP against real PostgreSQL, Redis and SMTP. Codes come from the tests' own RFC 6238
 * implementation (test/support/totp-ref.ts), never from the product; the app runs on a clock the tests move.
 */
describe('MFA: authenticator apps, recovery codes, the sign-in gate, re-authentication', () => {
  let t: TestApp;
  let op: FakeOp;
  beforeAll(async () => {
    // A real OpenID Provider as `google`, for the provider sign-in path through the gate.
    op = await startOidcOp({
      clients: [{ client_id: 'warden', client_secret: 'google-secret', redirect_uris: ['http://warden.test/oauth/callback/google'] }],
      accounts: {},
    });
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        REAUTH_MAX_AGE_SECONDS: '300',
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

  async function enroll(client: WardenClient, email: string): Promise<Enrolled> {
    const { startTotpEnrollment: started } = await client.request(StartTotpEnrollmentDocument);
    nextStep();
    const { confirmTotpEnrollment } = await client.request(ConfirmTotpEnrollmentDocument, {
      input: { factorId: started.factorId, code: code(started.secret), name: 'Phone' },
    });
    nextStep();
    const { viewer } = await client.query(ViewerMfaDocument);
    return { email, userId: viewer!.id, secret: started.secret, factorId: started.factorId, recoveryCodes: confirmTotpEnrollment.codes, client };
  }

  async function newEnrolledUser(): Promise<Enrolled> {
    const email = uniqueEmail('mfa');
    const client = t.client();
    await signUpAndVerify(t, client, email);
    return enroll(client, email);
  }

  /** login with the password: a user with an authenticator gets a TOTP challenge and no mail. */
  async function passwordStep(email: string, client = t.client()): Promise<string> {
    const before = t.inbox.mailsTo(email).length;
    const { login } = await client.request(LoginDocument, { input: { email, password: PASSWORD } });
    expect(login).toMatchObject({ channel: 'TOTP', purpose: 'MFA', destination: 'authenticator app' });
    expect(t.inbox.mailsTo(email).length).toBe(before);
    return login.challengeId;
  }

  test('enrollment: QR code and otpauth URI, a wrong first code refused, confirmation turns MFA on, ends other sessions, mails, 10 codes', async () => {
    const email = uniqueEmail('enroll');
    const client = t.client();
    await signUpAndVerify(t, client, email);
    // A second device signs in by password + emailed code.
    const otherSession = t.client();
    const before = t.inbox.mailsTo(email).length;
    const { login } = await otherSession.request(LoginDocument, { input: { email, password: PASSWORD } });
    const loginMail = await t.inbox.waitForMail(email, before + 1);
    const { verifyOtp: second } = await otherSession.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: codeFrom(loginMail) } });
    otherSession.accessToken = second.accessToken;
    // The gap fixed on the way: a password + emailed code records the password too.
    expect(claimsOf(second.accessToken).amr).toEqual(['pwd', 'otp', 'email']);

    const { startTotpEnrollment: started } = await client.request(StartTotpEnrollmentDocument);
    expect(started.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(started.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(decodeURIComponent(uri.pathname)).toContain(email);
    expect(uri.searchParams.get('secret')).toBe(started.secret);
    expect(started.qrCodeSvg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    // A pending factor does not show and does not gate anything yet.
    expect((await client.query(ViewerMfaDocument)).viewer!.mfaFactors).toEqual([]);

    const right = code(started.secret);
    const wrong = right === '000000' ? '111111' : '000000';
    const refused = await client.error(client.request(ConfirmTotpEnrollmentDocument, { input: { factorId: started.factorId, code: wrong } }));
    expect(refused).toMatchObject({ code: 'INVALID_OTP', extensions: { attemptsLeft: 4 } });

    const mailsBefore = t.inbox.mailsTo(email).length;
    const { confirmTotpEnrollment } = await client.request(ConfirmTotpEnrollmentDocument, {
      input: { factorId: started.factorId, code: right, name: 'My phone' },
    });
    expect(confirmTotpEnrollment.codes).toHaveLength(10);
    expect(new Set(confirmTotpEnrollment.codes).size).toBe(10);
    for (const c of confirmTotpEnrollment.codes) expect(c).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const notice = await t.inbox.waitForMail(email, mailsBefore + 1);
    expect(notice.subject).toMatch(/authenticator app was added/);

    const { viewer } = await client.query(ViewerMfaDocument);
    expect(viewer!.mfaFactors).toEqual([expect.objectContaining({ id: started.factorId, type: 'TOTP', name: 'My phone' })]);
    expect(viewer!.recoveryCodesRemaining).toBe(10);
    // The other session ended; this one goes on.
    expect((await otherSession.error(otherSession.query(ViewerMfaDocument))).code).toBe('UNAUTHENTICATED');
    // The same pending factor cannot be confirmed twice.
    nextStep();
    const again = await client.error(client.request(ConfirmTotpEnrollmentDocument, { input: { factorId: started.factorId, code: code(started.secret) } }));
    expect(again.code).toBe('OTP_EXPIRED');

    // The secret is in no column in plain text (nor its raw bytes in hex or base64).
    const rows = await t.app.dataSource.query(`SELECT * FROM ${t.table('mfa_factors')} WHERE id = $1`, [started.factorId]);
    const dump = JSON.stringify(rows);
    const raw = base32Decode(started.secret);
    for (const form of [started.secret, started.secret.toLowerCase(), raw.toString('hex'), raw.toString('base64')]) expect(dump).not.toContain(form);
    expect(rows[0].secret_ciphertext).toMatch(/^v1\./);
    // Recovery codes are stored as HMACs only.
    const codeRows = await t.app.dataSource.query(`SELECT code_hash FROM ${t.table('recovery_codes')} WHERE user_id = $1`, [viewer!.id]);
    expect(codeRows).toHaveLength(10);
    const codeDump = JSON.stringify(codeRows);
    for (const c of confirmTotpEnrollment.codes) expect(codeDump).not.toContain(c.replace(/-/g, ''));
  });

  test('password + authenticator code: a TOTP challenge (no mail), then aal2 with amr pwd…mfa; a wrong code says attemptsLeft', async () => {
    const u = await newEnrolledUser();
    const client = t.client();
    const challengeId = await passwordStep(u.email, client);
    const right = code(u.secret);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    expect(await client.error(client.request(VerifyOtpDocument, { input: { challengeId, code: wrong } }))).toMatchObject({
      code: 'INVALID_OTP',
      extensions: { attemptsLeft: 4 },
    });
    // Nothing is sent for an authenticator code, so there is nothing to resend.
    expect((await client.error(client.request(ResendOtpDocument, { challengeId }))).code).toBe('BAD_USER_INPUT');
    // A recovery code is typed into verifyRecoveryCode; an 8-digit or letter code is malformed.
    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId, code: '12345678' } }))).code).toBe('BAD_USER_INPUT');
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId, code: right } });
    const claims = claimsOf(verifyOtp.accessToken);
    expect(claims.amr).toEqual(['pwd', 'otp', 'totp', 'mfa']);
    expect(claims.aal).toBe('aal2');
    client.accessToken = verifyOtp.accessToken;
    const { viewer } = await client.query(ViewerMfaDocument);
    expect(viewer!.sessions.find((s) => s.current)!.authenticatorAssuranceLevel).toBe('aal2');
    expect(viewer!.mfaFactors[0]!.lastUsedAt).not.toBeNull();
  });

  test('replay: a code accepted once is INVALID_OTP on the next challenge within its window', async () => {
    const u = await newEnrolledUser();
    const used = code(u.secret);
    const first = await passwordStep(u.email);
    await t.client().request(VerifyOtpDocument, { input: { challengeId: first, code: used } });
    const second = await passwordStep(u.email);
    const client = t.client();
    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: second, code: used } }))).code).toBe('INVALID_OTP');
    // The previous step's code is older than the one used: refused as well. The next step's code works.
    expect(
      (
        await client.error(
          client.request(VerifyOtpDocument, { input: { challengeId: second, code: totpRef(base32Decode(u.secret), clock.now().getTime() / 1000 - 30) } }),
        )
      ).code,
    ).toBe('INVALID_OTP');
    nextStep();
    await expect(client.request(VerifyOtpDocument, { input: { challengeId: second, code: code(u.secret) } })).resolves.toBeTruthy();
  });

  test('race: one code sent to 20 MFA challenges at once signs in exactly once', async () => {
    const u = await newEnrolledUser();
    // The challenges are opened one after another (the race under test is on the code, not on the passwords).
    const challenges: string[] = [];
    for (let i = 0; i < 20; i++) challenges.push(await passwordStep(u.email));
    nextStep();
    const c = code(u.secret);
    const results = await Promise.allSettled(challenges.map((challengeId) => t.client().request(VerifyOtpDocument, { input: { challengeId, code: c } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const sessions = await t.app.dataSource.query(`SELECT amr FROM ${t.table('sessions')} WHERE user_id = $1 AND aal = 'aal2'`, [u.userId]);
    expect(sessions).toHaveLength(1);
  });

  test('race: 20 concurrent verifyOtp of one challenge with the right code give one session', async () => {
    const u = await newEnrolledUser();
    const challengeId = await passwordStep(u.email);
    const c = code(u.secret);
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => t.client().request(VerifyOtpDocument, { input: { challengeId, code: c } })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });

  test('limits: 5 tries per challenge; MFA_MAX_FAILURES (10) per user across challenges, then even the right code waits', async () => {
    const u = await newEnrolledUser();
    const client = t.client();
    const right = code(u.secret);
    const wrong = String((Number(right) + 500_000) % 1_000_000).padStart(6, '0');
    const a = await passwordStep(u.email);
    for (let i = 0; i < 5; i++)
      expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: a, code: wrong } }))).code).toBe('INVALID_OTP');
    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: a, code: right } }))).code).toBe('OTP_EXPIRED');
    // 5 failures counted for the user so far; 5 more on a second challenge, in one aliased burst.
    const b = await passwordStep(u.email);
    const burst = await Promise.allSettled(Array.from({ length: 5 }, () => client.request(VerifyOtpDocument, { input: { challengeId: b, code: wrong } })));
    expect(burst.every((r) => r.status === 'rejected')).toBe(true);
    const c = await passwordStep(u.email);
    const limited = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: c, code: right } }));
    expect(limited.code).toBe('RATE_LIMITED');
    expect(limited.extensions.retryAfter).toBeGreaterThan(0);
    // Recovery codes count against the same budget.
    expect((await client.error(client.request(VerifyRecoveryCodeDocument, { input: { challengeId: c, recoveryCode: u.recoveryCodes[0]! } }))).code).toBe(
      'RATE_LIMITED',
    );
    expect(limited.extensions.retryAfter).toBeLessThanOrEqual(15 * 60);
    // Another user is not affected.
    const v = await newEnrolledUser();
    const e = await passwordStep(v.email);
    await expect(client.request(VerifyOtpDocument, { input: { challengeId: e, code: code(v.secret) } })).resolves.toBeTruthy();
  });

  test('the gate on every sign-in path: each answers MFA_REQUIRED with a challenge that an authenticator code finishes', async () => {
    const u = await newEnrolledUser();
    // A phone-only account with an authenticator, for the SMS path.
    const phone = uniquePhone();
    const phoneClient = t.client();
    const { requestOtp: first } = await phoneClient.request(RequestOtpDocument, { input: { phone } });
    const { verifyOtp: phoneSignIn } = await phoneClient.request(VerifyOtpDocument, {
      input: { challengeId: first.challengeId, code: codeFromText(t.twilio.textsTo(phone).at(-1)!) },
    });
    phoneClient.accessToken = phoneSignIn.accessToken;
    const p = await enroll(phoneClient, phone);
    // The email user also signs in with Google (same verified email) and has a passkey.
    op.accounts.set(`sub-${u.userId}`, { email: u.email, email_verified: true, name: 'Ada Lovelace' });
    op.loginAs = `sub-${u.userId}`;
    const authenticator = new SoftAuthenticator('http://app.test');
    // Adding a passkey once MFA is on needs aal2 (F8): re-authenticate with the app first.
    const { requestReauthentication: reauth } = await u.client.request(RequestReauthenticationDocument);
    u.client.accessToken = (
      await u.client.request(VerifyOtpDocument, { input: { challengeId: reauth.challengeId, code: code(u.secret) } })
    ).verifyOtp.accessToken;
    const { startPasskeyRegistration: reg } = await u.client.request(StartPasskeyRegistrationDocument);
    await u.client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: reg.challengeId, response: authenticator.register(reg.options).response },
    });
    // mfaFactors lists the authenticator app only; the passkey is listed under passkeys (docs/mfa.md).
    const { viewer: listed } = await u.client.query(ViewerMfaDocument);
    expect(listed!.mfaFactors.map((f) => [f.id, f.type])).toEqual([[u.factorId, 'TOTP']]);
    const passkeySignIn = async (client: WardenClient, userVerified: boolean) => {
      const { startPasskeyAuthentication: start } = await client.request(StartPasskeyAuthenticationDocument, { input: {} });
      return client.request(FinishPasskeyAuthenticationDocument, {
        input: { challengeId: start.challengeId, response: authenticator.assert(start.options, { userVerified }) },
      });
    };

    type Path = { name: string; amr: string[]; secret: () => string; firstFactor: (client: WardenClient) => Promise<unknown> };
    const emailMail = async (fn: () => Promise<unknown>) => {
      const before = t.inbox.mailsTo(u.email).length;
      await fn();
      return t.inbox.waitForMail(u.email, before + 1);
    };
    const paths: Path[] = [
      {
        name: 'passwordless email code',
        amr: ['otp', 'email'],
        secret: () => u.secret,
        firstFactor: async (client) => {
          let challengeId = '';
          const mail = await emailMail(
            async () =>
              ({
                requestOtp: { challengeId },
              } = await client.request(RequestOtpDocument, { input: { email: u.email } })),
          );
          return client.request(VerifyOtpDocument, { input: { challengeId, code: codeFrom(mail) } });
        },
      },
      {
        name: 'SMS code',
        amr: ['otp', 'sms'],
        secret: () => p.secret,
        firstFactor: async (client) => {
          const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone } });
          return client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFromText(t.twilio.textsTo(phone).at(-1)!) } });
        },
      },
      {
        name: 'magic link',
        amr: ['email'],
        secret: () => u.secret,
        firstFactor: async (client) => {
          const mail = await emailMail(() => client.request(RequestMagicLinkDocument, { input: { email: u.email } }));
          return client.request(VerifyMagicLinkDocument, { token: linkFrom(mail).searchParams.get('token')! });
        },
      },
      {
        name: 'password reset',
        amr: ['email', 'otp'],
        secret: () => u.secret,
        firstFactor: async (client) => {
          let challengeId = '';
          const mail = await emailMail(
            async () =>
              ({
                requestPasswordReset: { challengeId },
              } = await client.request(RequestPasswordResetDocument, { input: { email: u.email } })),
          );
          return client.request(ResetPasswordDocument, { input: { challengeId, code: codeFrom(mail), newPassword: PASSWORD } });
        },
      },
      {
        name: 'provider sign-in (completeOAuth)',
        amr: ['oauth'],
        secret: () => u.secret,
        firstFactor: async (client) => {
          const { codeChallenge, codeVerifier } = pkcePair();
          const { startOAuth } = await client.request(StartOAuthDocument, {
            input: { provider: 'google', redirectTo: 'http://app.test/oauth/callback', codeChallenge },
          });
          const landing = await new OAuthBrowser('http://warden.test', t.url, ['http://app.test']).navigate(startOAuth.authorizationUrl);
          expect(landing.kind).toBe('app');
          const warden = landing.kind === 'app' ? landing.url.searchParams.get('code') : null;
          expect(warden).toMatch(/^[A-Za-z0-9_-]{32}$/);
          return client.request(CompleteOAuthDocument, { input: { code: warden!, codeVerifier } });
        },
      },
      {
        name: 'passkey without user verification',
        amr: ['hwk', 'user'],
        secret: () => u.secret,
        firstFactor: (client) => passkeySignIn(client, false),
      },
    ];
    for (const path of paths) {
      const client = t.client();
      const refused = await client.error(path.firstFactor(client));
      expect({ path: path.name, code: refused.code }).toEqual({ path: path.name, code: 'MFA_REQUIRED' });
      const challengeId = refused.extensions.challengeId as string;
      expect(challengeId).toMatch(/^[0-9a-f-]{36}$/);
      nextStep();
      const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId, code: code(path.secret()) } });
      const claims = claimsOf(verifyOtp.accessToken);
      expect({ path: path.name, aal: claims.aal, amr: claims.amr.slice(0, path.amr.length) }).toEqual({ path: path.name, aal: 'aal2', amr: path.amr });
      expect(claims.amr).toEqual(expect.arrayContaining(['totp', 'mfa']));
    }
    // A passkey with user verification is two factors on its own: signed in directly at aal2, no challenge.
    const { finishPasskeyAuthentication } = await passkeySignIn(t.client(), true);
    expect(finishPasskeyAuthentication.user.id).toBe(u.userId);
    expect(claimsOf(finishPasskeyAuthentication.accessToken)).toMatchObject({ aal: 'aal2', amr: ['hwk', 'pin'] });
  });

  test('a passwordless LOGIN code of a user with an authenticator: MFA_REQUIRED (the transaction path), the code spent, no session until the second factor', async () => {
    const u = await newEnrolledUser();
    const client = t.client();
    const sessionsOf = async () =>
      (await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('sessions')} WHERE user_id = $1`, [u.userId]))[0].n as number;
    const sessionsBefore = await sessionsOf();
    const before = t.inbox.mailsTo(u.email).length;
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email: u.email } });
    const input = { challengeId: requestOtp.challengeId, code: codeFrom(await t.inbox.waitForMail(u.email, before + 1)) };
    const { result: refused, statements } = await statementsDuring(() => client.error(client.request(VerifyOtpDocument, { input })));
    expect(refused.code).toBe('MFA_REQUIRED');
    expect(refused.extensions.challengeId).toMatch(/^[0-9a-f-]{36}$/);
    // The one-statement sign-in wrote nothing (the gate said no in SQL); the transaction spent the code and opened the challenge.
    expect(statements.filter(opensTransaction)).toHaveLength(1);
    expect(await sessionsOf()).toBe(sessionsBefore);
    expect((await client.error(client.request(VerifyOtpDocument, { input }))).code).toBe('OTP_EXPIRED');
    nextStep();
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: refused.extensions.challengeId as string, code: code(u.secret) } });
    expect(claimsOf(verifyOtp.accessToken)).toMatchObject({ aal: 'aal2', amr: expect.arrayContaining(['otp', 'email', 'totp', 'mfa']) });
    expect(await sessionsOf()).toBe(sessionsBefore + 1);
  });

  test('before the first factor nothing tells MFA apart: a wrong password is INVALID_CREDENTIALS; requestOtp answers alike', async () => {
    const u = await newEnrolledUser();
    const client = t.client();
    expect((await client.error(client.request(LoginDocument, { input: { email: u.email, password: 'wrong password!' } }))).code).toBe('INVALID_CREDENTIALS');
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email: u.email } });
    expect(requestOtp).toMatchObject({ channel: 'EMAIL', purpose: 'LOGIN' });
  });

  test('recovery codes: single use under a race, the remaining count, a notice; regenerate voids the old set', async () => {
    const u = await newEnrolledUser();
    const [spent, second] = u.recoveryCodes;
    const challenges = await Promise.all(Array.from({ length: 8 }, () => passwordStep(u.email)));
    const before = t.inbox.mailsTo(u.email).length;
    const results = await Promise.allSettled(
      challenges.map((challengeId) => t.client().request(VerifyRecoveryCodeDocument, { input: { challengeId, recoveryCode: spent! } })),
    );
    const ok = results.filter((r): r is PromiseFulfilledResult<any> => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    const payload = ok[0]!.value.verifyRecoveryCode;
    expect(claimsOf(payload.accessToken)).toMatchObject({ aal: 'aal2', amr: ['pwd', 'recovery', 'mfa'] });
    const notice = await t.inbox.waitForMail(u.email, before + 1);
    expect(notice.subject).toMatch(/recovery code was used/);
    expect(notice.text).toContain('9 unused recovery codes');

    const client = t.client();
    client.accessToken = payload.accessToken;
    expect((await client.query(ViewerMfaDocument)).viewer!.recoveryCodesRemaining).toBe(9);
    // Typed loosely (lower case, spaces): still the same code; and a TOTP challenge is not finished by an old code.
    const c2 = await passwordStep(u.email);
    const anon = t.client();
    expect((await anon.error(anon.request(VerifyRecoveryCodeDocument, { input: { challengeId: c2, recoveryCode: spent! } }))).code).toBe('INVALID_OTP');

    // The recovery sign-in is aal2 and recent: regenerate works and the old set stops working.
    const { regenerateRecoveryCodes } = await client.request(RegenerateRecoveryCodesDocument);
    expect(regenerateRecoveryCodes.codes).toHaveLength(10);
    expect(regenerateRecoveryCodes.codes).not.toContain(second);
    expect((await anon.error(anon.request(VerifyRecoveryCodeDocument, { input: { challengeId: c2, recoveryCode: second! } }))).code).toBe('INVALID_OTP');
    const { verifyRecoveryCode } = await anon.request(VerifyRecoveryCodeDocument, {
      input: { challengeId: c2, recoveryCode: ` ${regenerateRecoveryCodes.codes[0]!.toLowerCase().replace(/-/g, ' ')} ` },
    });
    expect(verifyRecoveryCode.user.id).toBe(u.userId);
    expect((await client.query(ViewerMfaDocument)).viewer!.recoveryCodesRemaining).toBe(9);
    expect(t.inbox.mailsTo(u.email).some((m) => /new recovery codes were made/i.test(m.subject))).toBe(true);
    const events = await t.app.dataSource.query(`SELECT event FROM ${t.table('audit_events')} WHERE user_id = $1`, [u.userId]);
    expect(events.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['mfa.factor_enrolled', 'mfa.challenged', 'mfa.recovery_code_used', 'mfa.recovery_codes_regenerated']),
    );
    expect((await anon.error(anon.request(VerifyRecoveryCodeDocument, { input: { challengeId: c2, recoveryCode: 'not a code' } }))).code).toBe(
      'BAD_USER_INPUT',
    );
  });

  test('with MFA on, removing a factor needs aal2: requestReauthentication (TOTP) lifts the session; removing the last turns MFA off', async () => {
    const u = await newEnrolledUser();
    const client = u.client; // signed in by email code: aal1
    const needs = await client.error(client.request(RemoveMfaFactorDocument, { id: u.factorId }));
    expect(needs).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED', extensions: { requiredAal: 'aal2' } });
    expect((await client.error(client.request(RegenerateRecoveryCodesDocument))).code).toBe('REAUTHENTICATION_REQUIRED');

    const mails = t.inbox.mailsTo(u.email).length;
    const { requestReauthentication } = await client.request(RequestReauthenticationDocument);
    expect(requestReauthentication).toMatchObject({ channel: 'TOTP', purpose: 'REAUTHENTICATION' });
    expect(t.inbox.mailsTo(u.email).length).toBe(mails);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestReauthentication.challengeId, code: code(u.secret) } });
    expect(claimsOf(verifyOtp.accessToken).sid).toBe(claimsOf(client.accessToken!).sid);
    expect(claimsOf(verifyOtp.accessToken).aal).toBe('aal2');
    client.accessToken = verifyOtp.accessToken;

    const other = t.client();
    expect((await other.error(other.request(RemoveMfaFactorDocument, { id: u.factorId }))).code).toBe('UNAUTHENTICATED');
    await expect(client.request(RemoveMfaFactorDocument, { id: u.factorId })).resolves.toEqual({ removeMfaFactor: true });
    const notice = await t.inbox.waitForMail(u.email, mails + 1);
    expect(notice.subject).toMatch(/authenticator app was removed/);
    const { viewer } = await client.query(ViewerMfaDocument);
    expect(viewer).toMatchObject({ mfaFactors: [], recoveryCodesRemaining: 0 });
    // MFA off: password login mails a LOGIN code again.
    const before = t.inbox.mailsTo(u.email).length;
    const { login } = await t.client().request(LoginDocument, { input: { email: u.email, password: PASSWORD } });
    expect(login).toMatchObject({ channel: 'EMAIL', purpose: 'LOGIN' });
    await t.inbox.waitForMail(u.email, before + 1);
  });

  test('REAUTHENTICATION_REQUIRED after REAUTH_MAX_AGE_SECONDS; an emailed REAUTHENTICATION code (no authenticator) refreshes lastAuthenticatedAt', async () => {
    const email = uniqueEmail('reauth');
    const client = t.client();
    await signUpAndVerify(t, client, email);
    const signedInAt = (await client.query(ViewerMfaDocument)).viewer!.sessions.find((s) => s.current)!.lastAuthenticatedAt;
    clock.advance(301);
    const refused = await client.error(client.request(StartTotpEnrollmentDocument));
    expect(refused).toMatchObject({ code: 'REAUTHENTICATION_REQUIRED', extensions: { maxAgeSeconds: 300 } });

    const before = t.inbox.mailsTo(email).length;
    const { requestReauthentication } = await client.request(RequestReauthenticationDocument);
    expect(requestReauthentication).toMatchObject({ channel: 'EMAIL', purpose: 'REAUTHENTICATION' });
    const mail = await t.inbox.waitForMail(email, before + 1);
    const sentAt = Math.floor(clock.now().getTime() / 1000);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestReauthentication.challengeId, code: codeFrom(mail) } });
    expect(claimsOf(verifyOtp.accessToken).sid).toBe(claimsOf(client.accessToken!).sid);
    // The clock runs in real time (plus the offset): the answer may come back in the next second.
    const authTime = claimsOf(verifyOtp.accessToken).auth_time as number;
    expect(authTime).toBeGreaterThanOrEqual(sentAt);
    expect(authTime).toBeLessThanOrEqual(Math.floor(clock.now().getTime() / 1000));
    client.accessToken = verifyOtp.accessToken;
    const after = (await client.query(ViewerMfaDocument)).viewer!.sessions.find((s) => s.current)!.lastAuthenticatedAt;
    expect(new Date(after).getTime()).toBeGreaterThan(new Date(signedInAt).getTime());
    await expect(client.request(StartTotpEnrollmentDocument)).resolves.toBeTruthy();
  });

  test('retention deletes expired pending enrollments only', async () => {
    const owner = await newEnrolledUser();
    const client = t.client();
    const payload = await signUpAndVerify(t, client);
    const { startTotpEnrollment } = await client.request(StartTotpEnrollmentDocument);
    const factorIds = async () =>
      (await t.app.dataSource.query(`SELECT id FROM ${t.table('mfa_factors')} WHERE user_id IN ($1, $2)`, [payload.user.id, owner.userId])).map(
        (r: { id: string }) => r.id,
      );
    expect(await factorIds()).toEqual(expect.arrayContaining([startTotpEnrollment.factorId, owner.factorId]));
    clock.advance(16 * 60);
    try {
      const result = await t.app.maintenance.runOnce();
      expect(result.status).toBe('ran');
      const left = await factorIds();
      expect(left).not.toContain(startTotpEnrollment.factorId);
      expect(left).toContain(owner.factorId);
    } finally {
      clock.advance(-16 * 60);
    }
  });
});
