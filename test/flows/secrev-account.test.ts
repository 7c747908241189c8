import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeFrom, linkFrom, type ReceivedMail } from '../support/smtp-inbox';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import { SoftAuthenticator } from '../support/soft-authenticator';
import type { WardenClient } from '../support/graphql-client';
import {
  ChangePasswordDocument,
  DeleteAccountDocument,
  FinishPasskeyRegistrationDocument,
  LoginDocument,
  LogoutAllDocument,
  LogoutDocument,
  RefreshSessionDocument,
  RequestEmailChangeDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  RequestPhoneChangeDocument,
  RequestReauthenticationDocument,
  ResetPasswordDocument,
  RevokeSessionDocument,
  StartPasskeyRegistrationDocument,
  UndoEmailChangeDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  ViewerBasicDocument,
} from '../graphql/generated/graphql';

const clock = new TestClock();
const DEVICE = { 'x-forwarded-for': '198.51.100.20', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0' };
const LOCKOUT_THRESHOLD = 3;
const SMS_CAP_PER_PHONE = 2;

/** Security review fixes for the account lifecycle and sessions (F2, F4, F5, F10, F11), over HTTP. */
describe('security review: account and sessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { now: clock.now },
      env: {
        TRUST_PROXY: '1',
        RATE_LIMIT_SENDS_PER_HOUR: '100',
        LOGIN_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD),
        SMS_DAILY_CAP_PER_PHONE: String(SMS_CAP_PER_PHONE),
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const newAccount = async (email = uniqueEmail('secrev')) => {
    const client = t.client(DEVICE);
    const payload = await signUpAndVerify(t, client, email);
    return { client, email, payload };
  };
  const mailWith = async (to: string, subject: RegExp, count = 1): Promise<ReceivedMail> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const found = t.inbox.mailsTo(to).filter((m) => subject.test(m.subject));
      if (found.length >= count) return found[count - 1]!;
      if (Date.now() > deadline)
        throw new Error(
          `no mail ${subject} to ${to} (got ${t.inbox
            .mailsTo(to)
            .map((m) => m.subject)
            .join(', ')})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const waitForText = async (phone: string, count: number) => {
    const deadline = Date.now() + 10_000;
    while (t.twilio.textsTo(phone).length < count) {
      if (Date.now() > deadline) throw new Error(`no text #${count} to ${phone}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return t.twilio.textsTo(phone)[count - 1]!;
  };
  const changePhone = async (client: WardenClient, phone: string) => {
    const before = t.twilio.textsTo(phone).length;
    const { requestPhoneChange } = await client.request(RequestPhoneChangeDocument, { input: { phone } });
    const text = await waitForText(phone, before + 1);
    return t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: requestPhoneChange.challengeId, code: codeFromText(text) } });
  };

  test('F2: a pending email change started on a hijacked session cannot be finished after logoutAll (R2)', async () => {
    const { client: owner, email } = await newAccount();
    const attacker = t.client(DEVICE);
    attacker.accessToken = owner.accessToken;
    const attackerEmail = uniqueEmail('attacker');
    const { requestEmailChange } = await attacker.request(RequestEmailChangeDocument, { input: { newEmail: attackerEmail } });
    const code = codeFrom(await t.inbox.waitForMail(attackerEmail, 1));
    const again = t.client(DEVICE);
    await logIn(t, again, email);
    expect((await again.request(LogoutAllDocument)).logoutAll).toBeGreaterThanOrEqual(2);

    const anyone = t.client(DEVICE);
    const err = await anyone.error(anyone.request(VerifyOtpDocument, { input: { challengeId: requestEmailChange.challengeId, code } }));
    expect(err.code).toBe('OTP_EXPIRED');
    const fresh = t.client(DEVICE);
    expect((await logIn(t, fresh, email)).user.email).toBe(email);
    const pending = await t.app.dataSource.query(`SELECT undone_at FROM ${t.table('contact_changes')} WHERE challenge_id = $1`, [
      requestEmailChange.challengeId,
    ]);
    expect(pending[0].undone_at).not.toBeNull();
  });

  describe('F2: a revocation racing the finish of what its session left pending', () => {
    const ROUNDS = 20;
    /** The revocations raced: logoutAll (sessions first), and deleteAccount (the user row, then sessions, then every code). */
    const revokers: { name: string; run: (c: WardenClient) => Promise<unknown> }[] = [
      { name: 'logoutAll', run: (c) => c.request(LogoutAllDocument) },
      { name: 'deleteAccount', run: (c) => c.request(DeleteAccountDocument) },
    ];
    /** Staggers the revocation by 0–12 ms over the rounds, so either side gets in first in some of them. */
    const later = (round: number) => new Promise((r) => setTimeout(r, (round % 5) * 3));
    const codeOf = (s: PromiseSettledResult<unknown>) =>
      s.status === 'fulfilled' ? 'ok' : ((s.reason as { info?: { code?: string } }).info?.code ?? String(s.reason));

    test.each(revokers)(
      'F2: $name racing verifyOtp of a pending email change never answers INTERNAL_SERVER_ERROR; the change either finished before the revocation or was refused',
      async ({ run }) => {
        for (let round = 0; round < ROUNDS; round++) {
          const { client, email } = await newAccount(uniqueEmail('race'));
          const newEmail = uniqueEmail('racemoved');
          const { requestEmailChange } = await client.request(RequestEmailChangeDocument, { input: { newEmail } });
          const code = codeFrom(await t.inbox.waitForMail(newEmail, 1));
          const finisher = t.client(DEVICE);
          const [revoked, verified] = await Promise.allSettled([
            later(round).then(() => run(client)),
            finisher.request(VerifyOtpDocument, { input: { challengeId: requestEmailChange.challengeId, code } }),
          ]);
          expect(codeOf(revoked)).toBe('ok');
          expect(['ok', 'OTP_EXPIRED']).toContain(codeOf(verified));
          // The session that asked is over either way.
          expect((await client.error(client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
          const [change] = await t.app.dataSource.query(
            `SELECT c.confirmed_at, c.undone_at, o.consumed_at, u.email FROM ${t.table('contact_changes')} c
             JOIN ${t.table('otp_challenges')} o ON o.id = c.challenge_id JOIN ${t.table('users')} u ON u.id = c.user_id
             WHERE c.challenge_id = $1`,
            [requestEmailChange.challengeId],
          );
          expect(change.consumed_at).not.toBeNull();
          if (codeOf(verified) === 'ok') {
            // Finished first: the address switched, and the revocation that came after ended that session too.
            expect(change).toMatchObject({ email: newEmail, undone_at: null });
            expect(change.confirmed_at).not.toBeNull();
            const signedIn = t.client(DEVICE);
            signedIn.accessToken = (verified as PromiseFulfilledResult<{ verifyOtp: { accessToken: string } }>).value.verifyOtp.accessToken;
            expect((await signedIn.error(signedIn.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
          } else {
            expect(change).toMatchObject({ email, confirmed_at: null });
            expect(change.undone_at).not.toBeNull();
          }
        }
      },
    );

    test.each(revokers)(
      'F2: $name racing verifyOtp of a re-authentication challenge never answers INTERNAL_SERVER_ERROR; the session ends either way and the challenge is spent',
      async ({ run }) => {
        for (let round = 0; round < ROUNDS; round++) {
          const { client, email } = await newAccount(uniqueEmail('racereauth'));
          const n = t.inbox.mailsTo(email).length;
          const { requestReauthentication } = await client.request(RequestReauthenticationDocument);
          const code = codeFrom(await t.inbox.waitForMail(email, n + 1));
          const [revoked, verified] = await Promise.allSettled([
            later(round).then(() => run(client)),
            t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: requestReauthentication.challengeId, code } }),
          ]);
          expect(codeOf(revoked)).toBe('ok');
          expect(['ok', 'OTP_EXPIRED', 'UNAUTHENTICATED']).toContain(codeOf(verified));
          expect((await client.error(client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
          if (codeOf(verified) === 'ok') {
            const reauthenticated = t.client(DEVICE);
            reauthenticated.accessToken = (verified as PromiseFulfilledResult<{ verifyOtp: { accessToken: string } }>).value.verifyOtp.accessToken;
            expect((await reauthenticated.error(reauthenticated.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
          }
          const [challenge] = await t.app.dataSource.query(`SELECT consumed_at FROM ${t.table('otp_challenges')} WHERE id = $1`, [
            requestReauthentication.challengeId,
          ]);
          expect(challenge.consumed_at).not.toBeNull();
        }
      },
    );

    test('F2: refresh-token reuse detection racing verifyOtp of a re-authentication (and a refresh of the live token) never answers INTERNAL_SERVER_ERROR; the session ends either way', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { client, email, payload } = await newAccount(uniqueEmail('racereuse'));
        // The first refresh token is rotated, and then aged past REFRESH_REUSE_INTERVAL: presenting it is reuse.
        const { refreshSession: live } = await client.request(RefreshSessionDocument, { refreshToken: payload.refreshToken });
        await t.app.dataSource.query(`UPDATE ${t.table('refresh_tokens')} SET rotated_at = rotated_at - interval '1 hour' WHERE id = $1`, [
          payload.refreshToken!.split('.')[0],
        ]);
        client.accessToken = live.accessToken;
        const n = t.inbox.mailsTo(email).length;
        const { requestReauthentication } = await client.request(RequestReauthenticationDocument);
        const code = codeFrom(await t.inbox.waitForMail(email, n + 1));
        // reuse: token row, then session row (one SELECT … FOR UPDATE OF t, s), then the challenges it spends;
        // verifyOtp: user, session, challenge, then the session's live tokens; the live refresh: session, then token.
        const [reused, verified, refreshed] = await Promise.allSettled([
          later(round).then(() => t.client(DEVICE).request(RefreshSessionDocument, { refreshToken: payload.refreshToken })),
          t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: requestReauthentication.challengeId, code } }),
          later(ROUNDS - round).then(() => t.client(DEVICE).request(RefreshSessionDocument, { refreshToken: live.refreshToken })),
        ]);
        expect(codeOf(reused)).toBe('INVALID_TOKEN');
        expect(['ok', 'OTP_EXPIRED', 'UNAUTHENTICATED']).toContain(codeOf(verified));
        expect(['ok', 'INVALID_TOKEN']).toContain(codeOf(refreshed));
        // The session is revoked whatever finished first, and nothing issued to it in the race still works.
        const [session] = await t.app.dataSource.query(`SELECT revoked_at, revoked_reason FROM ${t.table('sessions')} WHERE user_id = $1`, [payload.user.id]);
        expect(session).toMatchObject({ revoked_reason: 'refresh_token_reused' });
        expect((await client.error(client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
        for (const s of [verified, refreshed]) {
          if (s.status !== 'fulfilled') continue;
          const issued = Object.values(s.value as Record<string, { accessToken: string; refreshToken?: string | null }>)[0]!;
          const holder = t.client(DEVICE);
          holder.accessToken = issued.accessToken;
          expect((await holder.error(holder.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
          if (issued.refreshToken) {
            expect((await holder.error(holder.request(RefreshSessionDocument, { refreshToken: issued.refreshToken }))).code).toBe('INVALID_TOKEN');
          }
        }
        const [challenge] = await t.app.dataSource.query(`SELECT consumed_at FROM ${t.table('otp_challenges')} WHERE id = $1`, [
          requestReauthentication.challengeId,
        ]);
        expect(challenge.consumed_at).not.toBeNull();
      }
    });

    test('F2: logout and revokeSession racing a refresh of the same session never answer INTERNAL_SERVER_ERROR; the session ends either way', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { client, email, payload } = await newAccount(uniqueEmail('racelogout'));
        const [{ id: sessionId }] = await t.app.dataSource.query(`SELECT id FROM ${t.table('sessions')} WHERE user_id = $1`, [payload.user.id]);
        const other = t.client(DEVICE);
        if (round % 2 === 1) await logIn(t, other, email);
        const [ended, refreshed] = await Promise.allSettled([
          later(round).then(
            () => (round % 2 === 0 ? client.request(LogoutDocument) : other.request(RevokeSessionDocument, { id: sessionId })) as Promise<unknown>,
          ),
          later(ROUNDS - round).then(() => t.client(DEVICE).request(RefreshSessionDocument, { refreshToken: payload.refreshToken })),
        ]);
        expect(codeOf(ended)).toBe('ok');
        expect(['ok', 'INVALID_TOKEN']).toContain(codeOf(refreshed));
        const [session] = await t.app.dataSource.query(`SELECT revoked_at FROM ${t.table('sessions')} WHERE id = $1`, [sessionId]);
        expect(session.revoked_at).not.toBeNull();
        if (refreshed.status === 'fulfilled') {
          const { refreshSession } = refreshed.value;
          const holder = t.client(DEVICE);
          holder.accessToken = refreshSession.accessToken;
          expect((await holder.error(holder.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
          expect((await holder.error(holder.request(RefreshSessionDocument, { refreshToken: refreshSession.refreshToken }))).code).toBe('INVALID_TOKEN');
        }
      }
    });
  });

  test('F2: a pending phone change dies with its session (revokeSession, and refresh-token reuse detection)', async () => {
    const { client: owner, email, payload } = await newAccount();
    const ownerSession = (
      await t.app.dataSource.query(`SELECT id FROM ${t.table('sessions')} WHERE user_id = $1 ORDER BY created_at LIMIT 1`, [payload.user.id])
    )[0].id as string;
    // revokeSession by the owner from another session.
    const phone = uniquePhone();
    const { requestPhoneChange } = await owner.request(RequestPhoneChangeDocument, { input: { phone } });
    const text = await waitForText(phone, 1);
    const other = t.client(DEVICE);
    await logIn(t, other, email);
    expect((await other.request(RevokeSessionDocument, { id: ownerSession })).revokeSession).toBe(true);
    const anyone = t.client(DEVICE);
    const err = await anyone.error(anyone.request(VerifyOtpDocument, { input: { challengeId: requestPhoneChange.challengeId, code: codeFromText(text) } }));
    expect(err.code).toBe('OTP_EXPIRED');

    // Reuse detection: a rotated refresh token presented after the reuse interval ends the session and its pending change.
    const victim = t.client(DEVICE);
    const signedIn = await logIn(t, victim, email);
    const phone2 = uniquePhone();
    const { requestPhoneChange: second } = await victim.request(RequestPhoneChangeDocument, { input: { phone: phone2 } });
    const text2 = await waitForText(phone2, 1);
    await victim.request(RefreshSessionDocument, { refreshToken: signedIn.refreshToken });
    clock.advance(120);
    try {
      expect((await anyone.error(anyone.request(RefreshSessionDocument, { refreshToken: signedIn.refreshToken }))).code).toBe('INVALID_TOKEN');
    } finally {
      clock.advance(-120);
    }
    const err2 = await anyone.error(anyone.request(VerifyOtpDocument, { input: { challengeId: second.challengeId, code: codeFromText(text2) } }));
    expect(err2.code).toBe('OTP_EXPIRED');
    const viewer = (await t.app.dataSource.query(`SELECT phone FROM ${t.table('users')} WHERE email = $1`, [email]))[0];
    expect(viewer.phone).toBeNull();
  });

  test('F4: confirming an email change voids the reset link, magic link and LOGIN code mailed to the old address (R9)', async () => {
    const { client: owner, email: oldEmail } = await newAccount();
    const outsider = t.client(DEVICE);
    let n = t.inbox.mailsTo(oldEmail).length;
    await outsider.request(RequestPasswordResetDocument, { input: { email: oldEmail } });
    const resetMail = await t.inbox.waitForMail(oldEmail, ++n);
    await outsider.request(RequestMagicLinkDocument, { input: { email: oldEmail } });
    const magicMail = await t.inbox.waitForMail(oldEmail, ++n);
    const { requestOtp } = await outsider.request(RequestOtpDocument, { input: { email: oldEmail } });
    const loginCode = codeFrom(await t.inbox.waitForMail(oldEmail, n + 1));

    const newEmail = uniqueEmail('newbox');
    const { requestEmailChange } = await owner.request(RequestEmailChangeDocument, { input: { newEmail } });
    const code = codeFrom(await t.inbox.waitForMail(newEmail, 1));
    const { verifyOtp } = await t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: requestEmailChange.challengeId, code } });
    expect(verifyOtp.user.email).toBe(newEmail);

    const reset = await outsider.error(
      outsider.request(ResetPasswordDocument, { input: { token: linkFrom(resetMail).searchParams.get('token')!, newPassword: 'old mailbox still rules 42' } }),
    );
    expect(reset.code).toBe('INVALID_TOKEN');
    const magic = await outsider.error(outsider.request(VerifyMagicLinkDocument, { token: linkFrom(magicMail).searchParams.get('token')! }));
    expect(magic.code).toBe('INVALID_TOKEN');
    const otp = await outsider.error(outsider.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: loginCode } }));
    expect(otp.code).toBe('OTP_EXPIRED');
  });

  test('F4: an undo after confirmation is mailed to the current address, ends every session and voids the codes of both addresses (R7)', async () => {
    const { client: owner, email: oldEmail } = await newAccount();
    const newEmail = uniqueEmail('newbox');
    const { requestEmailChange } = await owner.request(RequestEmailChangeDocument, { input: { newEmail } });
    const code = codeFrom(await t.inbox.waitForMail(newEmail, 1));
    const notice = await mailWith(oldEmail, /being changed/);
    const { verifyOtp } = await t.client(DEVICE).request(VerifyOtpDocument, { input: { challengeId: requestEmailChange.challengeId, code } });
    const signedInNew = t.client(DEVICE);
    signedInNew.accessToken = verifyOtp.accessToken;
    // A LOGIN code mailed to the new address, outstanding when the undo runs.
    const before = t.inbox.mailsTo(newEmail).length;
    const { requestOtp } = await t.client(DEVICE).request(RequestOtpDocument, { input: { email: newEmail } });
    const newCode = codeFrom(await t.inbox.waitForMail(newEmail, before + 1));

    clock.advance(2 * 86_400);
    try {
      await t.client(DEVICE).request(UndoEmailChangeDocument, { token: linkFrom(notice).searchParams.get('token')! });
      const told = await mailWith(newEmail, /undone/);
      expect(told.text).toMatch(/signed out/);
      expect((await signedInNew.error(signedInNew.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
      const anyone = t.client(DEVICE);
      expect((await anyone.error(anyone.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: newCode } }))).code).toBe(
        'OTP_EXPIRED',
      );
    } finally {
      clock.advance(-2 * 86_400);
    }
  });

  test('F5: a phone added or changed is mailed to the account and texted to the old phone; "was this you?" mails list phone and passkeys (R3)', async () => {
    const { client, email } = await newAccount();
    const first = uniquePhone();
    await changePhone(client, first);
    const added = await mailWith(email, /phone number was (added|changed)/);
    expect(added.text).toContain(first.slice(-2));

    const second = uniquePhone();
    const oldTexts = t.twilio.textsTo(first).length;
    await changePhone(client, second);
    await mailWith(email, /phone number was (added|changed)/, 2);
    const toOld = await waitForText(first, oldTexts + 1);
    expect(toOld.body).toMatch(/phone number/i);

    // A passkey, then a sign-in from a new device and network: the notice lists the ways in.
    const authenticator = new SoftAuthenticator('http://app.test');
    const { startPasskeyRegistration: reg } = await client.request(StartPasskeyRegistrationDocument);
    await client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: reg.challengeId, response: authenticator.register(reg.options).response, name: 'Work laptop' },
    });
    await logIn(t, t.client({ 'x-forwarded-for': '203.0.113.77', 'user-agent': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15' }), email);
    const newSignIn = await mailWith(email, /new sign-in/);
    expect(newSignIn.text).toContain('Work laptop');
    expect(newSignIn.text).toContain(second.slice(-2));
  });

  test('F10: requestPhoneChange to a taken number answers like a free one and trips the per-phone cap alike', async () => {
    const { client } = await newAccount();
    const { email: ownerEmail } = await newAccount();
    const taken = uniquePhone();
    await t.app.dataSource.query(`UPDATE ${t.table('users')} SET phone = $1, phone_verified = true WHERE email = $2`, [taken, ownerEmail]);
    const free = uniquePhone();
    const shape = (c: { channel: string; purpose: string; destination: string; expiresAt: string; resendAvailableAt: string }) => ({
      channel: c.channel,
      purpose: c.purpose,
      destinationLength: c.destination.length,
      ttl: Math.round((new Date(c.expiresAt).getTime() - clock.now().getTime()) / 10_000),
      cooldown: Math.round((new Date(c.resendAvailableAt).getTime() - clock.now().getTime()) / 10_000),
    });
    for (let i = 0; i < SMS_CAP_PER_PHONE; i++) {
      const { requestPhoneChange: a } = await client.request(RequestPhoneChangeDocument, { input: { phone: free } });
      const { requestPhoneChange: b } = await client.request(RequestPhoneChangeDocument, { input: { phone: taken } });
      expect(shape(b)).toEqual(shape(a));
    }
    const freeErr = await client.error(client.request(RequestPhoneChangeDocument, { input: { phone: free } }));
    const takenErr = await client.error(client.request(RequestPhoneChangeDocument, { input: { phone: taken } }));
    expect(freeErr.code).toBe('RATE_LIMITED');
    expect(takenErr.code).toBe(freeErr.code);
    expect(t.twilio.textsTo(taken)).toHaveLength(0);
  });

  test('F11: wrong current passwords in changePassword count toward the login lockout', async () => {
    const { client, email } = await newAccount();
    for (let i = 0; i < LOCKOUT_THRESHOLD; i++) {
      const err = await client.error(
        client.request(ChangePasswordDocument, { input: { currentPassword: `wrong guess ${i}`, newPassword: 'a brand new password 42' } }),
      );
      expect(err.code).toBe('INVALID_CREDENTIALS');
    }
    const locked = await client.error(client.request(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: 'a brand new password 42' } }));
    expect(locked.code).toBe('RATE_LIMITED');
    const login = await client.error(t.client(DEVICE).request(LoginDocument, { input: { email, password: PASSWORD } }));
    expect(login.code).toBe('RATE_LIMITED');
  });
});
