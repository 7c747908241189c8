import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeAt } from '../support/totp-ref';
import type { WardenClient } from '../support/graphql-client';
import { SoftAuthenticator, type SoftCredential } from '../support/soft-authenticator';
import {
  ConfirmTotpEnrollmentDocument,
  FinishPasskeyAuthenticationDocument,
  FinishPasskeyRegistrationDocument,
  LoginDocument,
  RemoveMfaFactorDocument,
  RequestReauthenticationDocument,
  StartPasskeyAuthenticationDocument,
  StartPasskeyRegistrationDocument,
  StartTotpEnrollmentDocument,
  VerifyOtpDocument,
  VerifyRecoveryCodeDocument,
  ViewerMfaDocument,
} from '../graphql/generated/graphql';

/**
 * The security review's findings on second factors and passkeys (F3, F6, F8, F10, F14, F17), each proved over HTTP
 * against real PostgreSQL, Redis and SMTP. MFA_LOCKOUT_THRESHOLD is lowered to 4 so that F6's lock is reachable.
 */
jest.setTimeout(120_000);

const ORIGIN = 'http://app.test';
const RP_ID = 'app.test';
const LOCKOUT_THRESHOLD = 4;
const clock = new TestClock();
const code = (secret: string, offsetSeconds = 0) => codeAt(secret, new Date(clock.now().getTime() + offsetSeconds * 1000));
const wrongFor = (secret: string) => String((Number(code(secret)) + 500_000) % 1_000_000).padStart(6, '0');
const nextStep = () => clock.advance(30);
const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { aal: string; sid: string };

describe('security review: second factors and passkeys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { now: clock.now },
      env: { MFA_LOCKOUT_THRESHOLD: String(LOCKOUT_THRESHOLD), RATE_LIMIT_IP_PER_MINUTE: '1000', RATE_LIMIT_SENDS_PER_HOUR: '100' },
    });
  });
  afterAll(() => t?.close());

  /** A signed-up user (aal1 session, signed in by emailed code) with one confirmed authenticator app. */
  async function enrolledUser(label: string): Promise<{ email: string; client: WardenClient; secret: string; factorId: string; codes: string[] }> {
    const client = t.client();
    const email = uniqueEmail(label);
    await signUpAndVerify(t, client, email);
    const { startTotpEnrollment: e } = await client.request(StartTotpEnrollmentDocument);
    nextStep();
    const { confirmTotpEnrollment } = await client.request(ConfirmTotpEnrollmentDocument, { input: { factorId: e.factorId, code: code(e.secret) } });
    nextStep();
    return { email, client, secret: e.secret, factorId: e.factorId, codes: confirmTotpEnrollment.codes };
  }

  /** The password step of a user with an authenticator: an MFA challenge. */
  async function passwordStep(email: string, client = t.client()): Promise<string> {
    const { login } = await client.request(LoginDocument, { input: { email, password: PASSWORD } });
    expect(login).toMatchObject({ channel: 'TOTP', purpose: 'MFA' });
    return login.challengeId;
  }

  /** Raises the client's session to aal2 with the authenticator (requestReauthentication + verifyOtp). */
  async function raiseToAal2(client: WardenClient, secret: string): Promise<void> {
    nextStep();
    const { requestReauthentication } = await client.request(RequestReauthenticationDocument);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestReauthentication.challengeId, code: code(secret) } });
    client.accessToken = verifyOtp.accessToken;
    expect(claimsOf(verifyOtp.accessToken).aal).toBe('aal2');
  }

  const passkeyRow = async (id: string) =>
    (
      (await t.app.dataSource.query(`SELECT counter, flagged_at FROM ${t.table('passkeys')} WHERE id = $1`, [id])) as {
        counter: string;
        flagged_at: Date | null;
      }[]
    )[0]!;

  async function userWithPasskey(label: string, authenticator = new SoftAuthenticator(ORIGIN), credentialIdLength?: number) {
    const client = t.client();
    const email = uniqueEmail(label);
    await signUpAndVerify(t, client, email);
    const { startPasskeyRegistration: reg } = await client.request(StartPasskeyRegistrationDocument);
    const { response, credential } = authenticator.register(reg.options, { credentialIdLength });
    const { finishPasskeyRegistration: passkey } = await client.request(FinishPasskeyRegistrationDocument, {
      input: { challengeId: reg.challengeId, response },
    });
    return { client, email, passkey, credential, authenticator, registrationOptions: reg.options };
  }

  test('F3: a forged, unsigned assertion (counter 0) against a used security key flags nothing; the genuine key still signs in', async () => {
    const victim = await userWithPasskey('f3victim');
    // The victim signs in once: the stored counter is 1 (a hardware key that counts).
    const first = t.client();
    const { startPasskeyAuthentication: a1 } = await first.request(StartPasskeyAuthenticationDocument, { input: { email: victim.email } });
    await first.request(FinishPasskeyAuthenticationDocument, {
      input: { challengeId: a1.challengeId, response: victim.authenticator.assert({ ...a1.options, rpId: RP_ID }) },
    });
    expect(Number((await passkeyRow(victim.passkey.id)).counter)).toBe(1);

    // The attacker knows the email and the credential id, holds no key: counter 0 and a signature by another key.
    const attacker = t.client();
    const { startPasskeyAuthentication: a2 } = await attacker.request(StartPasskeyAuthenticationDocument, { input: { email: victim.email } });
    const evil = new SoftAuthenticator(ORIGIN);
    const forged: SoftCredential = { ...evil.register(victim.registrationOptions).credential, id: victim.credential.id, signCount: 0 };
    const assertion = evil.assert({ ...a2.options, rpId: RP_ID }, { credential: forged, signCount: 0, userHandle: null });
    const err = await attacker.error(attacker.request(FinishPasskeyAuthenticationDocument, { input: { challengeId: a2.challengeId, response: assertion } }));
    expect(err.code).toBe('INVALID_CREDENTIALS');
    expect((await passkeyRow(victim.passkey.id)).flagged_at).toBeNull();

    // The genuine key still signs in, and its counter moves on.
    const again = t.client();
    const { startPasskeyAuthentication: a3 } = await again.request(StartPasskeyAuthenticationDocument, { input: { email: victim.email } });
    const { finishPasskeyAuthentication } = await again.request(FinishPasskeyAuthenticationDocument, {
      input: { challengeId: a3.challengeId, response: victim.authenticator.assert({ ...a3.options, rpId: RP_ID }) },
    });
    expect(finishPasskeyAuthentication.user.email).toBe(victim.email);
    expect(Number((await passkeyRow(victim.passkey.id)).counter)).toBe(2);
  });

  test('F6: consecutive wrong second-factor codes lock second-factor sign-in (doubling), a success clears them, and the owner is mailed', async () => {
    const u = await enrolledUser('f6');
    const client = t.client();
    const mailsBefore = t.inbox.mailsTo(u.email).length;
    const a = await passwordStep(u.email);
    // Three "password right, code wrong": the owner is told (once, without any code).
    for (let i = 0; i < 3; i++)
      expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: a, code: wrongFor(u.secret) } }))).code).toBe('INVALID_OTP');
    const notice = await t.inbox.waitForSubject(u.email, /wrong .*code/i);
    expect(notice.text).not.toMatch(/\b\d{6}\b/);
    // MFA_MAX_FAILURES' fixed window ends (its counter goes): the consecutive count does not.
    const userId = (await u.client.query(ViewerMfaDocument)).viewer!.id;
    await t.app.kv.delete(`mfa:{${userId}}:failures`);
    // The threshold-th wrong code locks (well under MFA_MAX_FAILURES' 10 per window, which used to be the only cap).
    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: a, code: wrongFor(u.secret) } }))).code).toBe('INVALID_OTP');
    const b = await passwordStep(u.email);
    const locked = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: b, code: code(u.secret) } }));
    expect(locked.code).toBe('RATE_LIMITED');
    const firstLock = locked.extensions.retryAfter as number;
    expect(firstLock).toBeGreaterThan(60);
    // Recovery codes are second-factor sign-in too.
    expect((await client.error(client.request(VerifyRecoveryCodeDocument, { input: { challengeId: b, recoveryCode: u.codes[0]! } }))).code).toBe(
      'RATE_LIMITED',
    );

    // The lock ends; the count did not: one more wrong code locks again, for twice as long.
    clock.advance(firstLock + 1);
    const c = await passwordStep(u.email);
    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: c, code: wrongFor(u.secret) } }))).code).toBe('INVALID_OTP');
    const d = await passwordStep(u.email);
    const again = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: d, code: code(u.secret) } }));
    expect(again.code).toBe('RATE_LIMITED');
    expect(again.extensions.retryAfter).toBeGreaterThan(firstLock + 60);

    // After that lock the right code signs in, and clears the count: a wrong code is just wrong again.
    clock.advance((again.extensions.retryAfter as number) + 1);
    const e = await passwordStep(u.email);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: e, code: code(u.secret) } });
    expect(claimsOf(verifyOtp.accessToken).aal).toBe('aal2');
    nextStep();
    const f = await passwordStep(u.email);
    for (let i = 0; i < LOCKOUT_THRESHOLD - 1; i++)
      expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: f, code: wrongFor(u.secret) } }))).code).toBe('INVALID_OTP');
    const g = await passwordStep(u.email);
    await expect(client.request(VerifyOtpDocument, { input: { challengeId: g, code: code(u.secret) } })).resolves.toBeTruthy();
    const notices = t.inbox
      .mailsTo(u.email)
      .slice(mailsBefore)
      .filter((m) => /wrong .*code/i.test(m.subject ?? ''));
    expect(notices.length).toBeGreaterThanOrEqual(1);
    for (const m of notices) expect(m.text).not.toContain(code(u.secret));
  });

  test('F8: with a confirmed factor, adding a TOTP app or a passkey needs aal2, and a later factor never replaces the recovery codes', async () => {
    const u = await enrolledUser('f8');
    const aal1 = u.client; // signed in by emailed code: aal1 (R6)
    const needsAal2 = { code: 'REAUTHENTICATION_REQUIRED', extensions: { requiredAal: 'aal2' } };
    expect(await aal1.error(aal1.request(StartTotpEnrollmentDocument))).toMatchObject(needsAal2);
    expect(await aal1.error(aal1.request(StartPasskeyRegistrationDocument))).toMatchObject(needsAal2);

    // A pending factor started on an aal2 session cannot be confirmed from an aal1 one.
    const aal2 = t.client();
    const challengeId = await passwordStep(u.email, aal2);
    aal2.accessToken = (await aal2.request(VerifyOtpDocument, { input: { challengeId, code: code(u.secret) } })).verifyOtp.accessToken;
    const { startTotpEnrollment: pending } = await aal2.request(StartTotpEnrollmentDocument);
    nextStep();
    expect(await aal1.error(aal1.request(ConfirmTotpEnrollmentDocument, { input: { factorId: pending.factorId, code: code(pending.secret) } }))).toMatchObject(
      needsAal2,
    );

    // On aal2 a second app is added: no new recovery codes, the old ones still work.
    const { confirmTotpEnrollment: second } = await aal2.request(ConfirmTotpEnrollmentDocument, {
      input: { factorId: pending.factorId, code: code(pending.secret) },
    });
    expect(second.codes).toEqual([]);
    const { viewer } = await aal2.query(ViewerMfaDocument);
    expect(viewer!.mfaFactors).toHaveLength(2);
    expect(viewer!.recoveryCodesRemaining).toBe(10);
    const { startPasskeyRegistration } = await aal2.request(StartPasskeyRegistrationDocument);
    expect(startPasskeyRegistration.challengeId).toBeTruthy();
    const mfa = await passwordStep(u.email);
    const { verifyRecoveryCode } = await t.client().request(VerifyRecoveryCodeDocument, { input: { challengeId: mfa, recoveryCode: u.codes[0]! } });
    expect(claimsOf(verifyRecoveryCode.accessToken).aal).toBe('aal2');
  });

  test('F10: sign-in by email answers the same options for an account with passkeys, one without, and an unknown email', async () => {
    // Two passkeys with unlike ids (16 and 64 bytes): what a real account's list looked like.
    const real = await userWithPasskey('f10real', new SoftAuthenticator(ORIGIN), 16);
    await real.client.request(StartPasskeyRegistrationDocument).then(async ({ startPasskeyRegistration: reg }) => {
      const { response } = new SoftAuthenticator(ORIGIN).register(reg.options, { credentialIdLength: 64 });
      await real.client.request(FinishPasskeyRegistrationDocument, { input: { challengeId: reg.challengeId, response } });
    });
    const without = uniqueEmail('f10without');
    await signUpAndVerify(t, t.client(), without);
    const client = t.client();
    const start = async (email: string) => (await client.request(StartPasskeyAuthenticationDocument, { input: { email } })).startPasskeyAuthentication;
    const answers = [await start(real.email), await start(without), await start(uniqueEmail('f10nobody'))];
    const shapes = answers.map((a) => ({ ...(a.options as unknown as Record<string, unknown>), challenge: (a.options.challenge as string).length }));
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
    // Nothing about the account's credentials is handed out before the assertion.
    expect(JSON.stringify(answers[0]!.options)).not.toContain(real.credential.id.toString('base64url'));
    // The real account's passkey still signs in through the email-started ceremony; the unknown email's signs no one in.
    const { finishPasskeyAuthentication } = await client.request(FinishPasskeyAuthenticationDocument, {
      input: { challengeId: answers[0]!.challengeId, response: real.authenticator.assert({ ...answers[0]!.options, rpId: RP_ID }) },
    });
    expect(finishPasskeyAuthentication.user.email).toBe(real.email);
    const err = await client.error(
      client.request(FinishPasskeyAuthenticationDocument, {
        input: { challengeId: answers[2]!.challengeId, response: real.authenticator.assert({ ...answers[2]!.options, rpId: RP_ID }) },
      }),
    );
    expect(err.code).toBe('INVALID_CREDENTIALS');
  });

  test('F14: an authenticator code of the next time step is refused; the previous step is still accepted', async () => {
    const u = await enrolledUser('f14');
    nextStep(); // the previous step is then not the one the enrollment spent
    const client = t.client();
    const a = await passwordStep(u.email);
    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: a, code: code(u.secret, 30) } }))).code).toBe('INVALID_OTP');
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: a, code: code(u.secret, -30) } });
    expect(claimsOf(verifyOtp.accessToken).aal).toBe('aal2');
  });

  /**
   * Holds every audit write of this app's schema (LOCK TABLE audit_events, from a connection of the test): a
   * transaction of the gateway writes its audit rows just before it commits, so it stops there having made every
   * decision and still holding every lock it took. `waiters(n)` resolves once n statements of this schema wait on a
   * lock (held here, or taken by one of those transactions); `release()` lets them all go on.
   */
  /**
   * The F17 races hold a lock from a second connection of the test: embedded PGlite serves one connection (pool of
   * one), so they run against real PostgreSQL only (CI always has it, and fails when anything is skipped).
   */
  const testRealPostgres = process.env.WARDEN_TEST_EMBEDDED_PG ? test.skip : test;

  async function holdAuditWrites() {
    const runner = t.app.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    await runner.query(`LOCK TABLE ${t.table('audit_events')} IN SHARE MODE`);
    const waiting = async () =>
      Number(
        (
          (await t.app.dataSource.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND position($1 in query) > 0`, [
            `"${t.env.DATABASE_SCHEMA}".`,
          ])) as { n: string }[]
        )[0]!.n,
      );
    return {
      async waiters(n: number) {
        for (let i = 0; (await waiting()) < n; i++) {
          if (i > 500) throw new Error(`fewer than ${n} statements ever waited`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      async release() {
        await runner.commitTransaction();
        await runner.release();
      },
    };
  }

  testRealPostgres('F17: removing the last two factors at once never leaves MFA half on (recovery codes kept, no "MFA off" notice)', async () => {
    const u = await enrolledUser('f17');
    await raiseToAal2(u.client, u.secret);
    const { startTotpEnrollment: e2 } = await u.client.request(StartTotpEnrollmentDocument);
    nextStep();
    await u.client.request(ConfirmTotpEnrollmentDocument, { input: { factorId: e2.factorId, code: code(e2.secret) } });
    const mailsBefore = t.inbox.mailsTo(u.email).length;
    // The first removal decides "MFA stays on" (the other app is there) and stops before its commit; the second runs
    // meanwhile. Without the user-row lock it also sees the other app (the first's delete is not committed) and also
    // decides "MFA stays on": no factor left, recovery codes kept. With it, it waits and then sees the first's delete.
    const hold = await holdAuditWrites();
    const remove = (id: string) => u.client.request(RemoveMfaFactorDocument, { id }).then((r) => r.removeMfaFactor);
    let results: Promise<boolean[]>;
    try {
      const first = remove(u.factorId);
      await hold.waiters(1);
      const second = remove(e2.factorId);
      await hold.waiters(2);
      results = Promise.all([first, second]);
    } finally {
      await hold.release();
    }
    expect(await results).toEqual([true, true]);
    const { viewer } = await u.client.query(ViewerMfaDocument);
    expect(viewer).toMatchObject({ mfaFactors: [], recoveryCodesRemaining: 0 });
    await t.inbox.waitForMail(u.email, mailsBefore + 2);
    const removed = t.inbox
      .mailsTo(u.email)
      .slice(mailsBefore)
      .filter((m) => /authenticator app was removed/i.test(m.subject ?? ''));
    expect(removed.filter((m) => /no longer asks for a second step/.test(m.text ?? ''))).toHaveLength(1);
  });

  testRealPostgres('F17: an authenticator confirmed while the last one is removed turns MFA on afresh, with recovery codes', async () => {
    const u = await enrolledUser('f17c');
    await raiseToAal2(u.client, u.secret);
    const { startTotpEnrollment: e2 } = await u.client.request(StartTotpEnrollmentDocument);
    nextStep();
    // The removal of the only app decides "MFA off" (recovery codes deleted) and stops before its commit. Without the
    // user-row lock the confirmation still sees that app and decides "a later factor" (codes kept, none made): MFA on
    // with no recovery code. With it, it waits and then sees MFA off: a first factor, with new codes.
    const hold = await holdAuditWrites();
    let confirmed: Promise<string[]>;
    let removed: Promise<boolean>;
    try {
      removed = u.client.request(RemoveMfaFactorDocument, { id: u.factorId }).then((r) => r.removeMfaFactor);
      await hold.waiters(1);
      confirmed = u.client
        .request(ConfirmTotpEnrollmentDocument, { input: { factorId: e2.factorId, code: code(e2.secret) } })
        .then((r) => r.confirmTotpEnrollment.codes);
      await hold.waiters(2);
    } finally {
      await hold.release();
    }
    expect(await removed).toBe(true);
    expect(await confirmed).toHaveLength(10);
    const { viewer } = await u.client.query(ViewerMfaDocument);
    expect(viewer).toMatchObject({ mfaFactors: [{ id: e2.factorId }], recoveryCodesRemaining: 10 });
  });
});
