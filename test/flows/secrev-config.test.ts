import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { codeAt } from '../support/totp-ref';
import { keyId } from '../../src/crypto/secret-token';
import {
  ConfirmTotpEnrollmentDocument,
  DeleteAccountDocument,
  LoginDocument,
  RecoverAccountDocument,
  RefreshSessionDocument,
  RequestAccountRecoveryDocument,
  RequestEmailChangeDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  SignupDocument,
  StartTotpEnrollmentDocument,
  UndoEmailChangeDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  VerifyRecoveryCodeDocument,
  ViewerMfaDocument,
} from '../graphql/generated/graphql';

/**
 * Security review, configuration findings: F12 (WARDEN_SECRET rotation), F13 (the squatter's password), F15
 * (federation), F16 (CORS_ORIGINS). Over HTTP against real PostgreSQL, Redis and SMTP.
 */
jest.setTimeout(120_000);

const secret = () => randomBytes(32).toString('base64url');
const clock = new TestClock();
/** The next 30-second step, so a fresh authenticator code is not a replay of the last one. */
const nextStep = () => clock.advance(30);

describe('F12: WARDEN_SECRET rotation with WARDEN_SECRET_PREVIOUS', () => {
  const A = secret();
  const B = secret();
  let a: TestApp;
  let b: TestApp;
  let c: TestApp | undefined;
  beforeAll(async () => {
    a = await startTestApp({ overrides: { now: clock.now }, env: { WARDEN_SECRET: A } });
    // The same deployment restarted with a new secret: same database and Redis prefix, B current, A previous.
    b = await startTestApp({ shareWith: a, overrides: { now: clock.now }, env: { WARDEN_SECRET: B, WARDEN_SECRET_PREVIOUS: A } });
  });
  afterAll(async () => {
    await c?.close();
    await b?.close();
    await a?.close(); // a owns the schema: last
  });

  async function loginStep(t: TestApp, email: string): Promise<string> {
    const { login } = await t.client().request(LoginDocument, { input: { email, password: PASSWORD } });
    expect(login).toMatchObject({ channel: 'TOTP', purpose: 'MFA' });
    return login.challengeId;
  }

  test('F12: a TOTP secret and recovery codes made under secret A still work after a restart with WARDEN_SECRET=B, WARDEN_SECRET_PREVIOUS=A; the TOTP secret is re-sealed under B; with a wrong key and no previous the answer is INVALID_OTP', async () => {
    const email = uniqueEmail('rotate');
    const client = a.client();
    await signUpAndVerify(a, client, email);
    const { startTotpEnrollment: started } = await client.request(StartTotpEnrollmentDocument);
    nextStep();
    const { confirmTotpEnrollment } = await client.request(ConfirmTotpEnrollmentDocument, {
      input: { factorId: started.factorId, code: codeAt(started.secret, clock.now()) },
    });
    const sealedRow = async () =>
      (await a.app.dataSource.query(`SELECT secret_ciphertext FROM ${a.table('mfa_factors')} WHERE id = $1`, [started.factorId]))[0]
        .secret_ciphertext as string;
    expect(await sealedRow()).toMatch(new RegExp(`^v1\\.${keyId(Buffer.from(A))}\\.`));

    // After the restart: the authenticator code opens the secret sealed under A and signs in at aal2.
    nextStep();
    const { verifyOtp } = await b
      .client()
      .request(VerifyOtpDocument, { input: { challengeId: await loginStep(b, email), code: codeAt(started.secret, clock.now()) } });
    expect(verifyOtp.user.email).toBe(email);
    // … and the secret is now sealed under B (its key id, not A's).
    const resealed = await sealedRow();
    expect(resealed).toMatch(new RegExp(`^v1\\.${keyId(Buffer.from(B))}\\.`));
    expect(resealed).not.toContain(B);
    // A recovery code hashed under A matches too (and is spent, as ever).
    const { verifyRecoveryCode } = await b.client().request(VerifyRecoveryCodeDocument, {
      input: { challengeId: await loginStep(b, email), recoveryCode: confirmTotpEnrollment.codes[0]! },
    });
    expect(verifyRecoveryCode.user.email).toBe(email);
    // Re-sealed: B alone (WARDEN_SECRET_PREVIOUS dropped after the rotation) still opens it.
    c = await startTestApp({ shareWith: a, overrides: { now: clock.now }, env: { WARDEN_SECRET: B } });
    nextStep();
    const again = await c.client().request(VerifyOtpDocument, { input: { challengeId: await loginStep(c, email), code: codeAt(started.secret, clock.now()) } });
    expect(again.verifyOtp.user.email).toBe(email);
    await c.close();

    // A wrong key and no previous: the right code and a recovery code answer INVALID_OTP, never INTERNAL_SERVER_ERROR.
    c = await startTestApp({ shareWith: a, overrides: { now: clock.now }, env: { WARDEN_SECRET: secret() } });
    nextStep();
    const wrongKey = c.client();
    const challengeId = await loginStep(c, email);
    const err = await wrongKey.error(wrongKey.request(VerifyOtpDocument, { input: { challengeId, code: codeAt(started.secret, clock.now()) } }));
    expect(err.code).toBe('INVALID_OTP');
    const recovery = await wrongKey.error(
      wrongKey.request(VerifyRecoveryCodeDocument, { input: { challengeId, recoveryCode: confirmTotpEnrollment.codes[1]! } }),
    );
    expect(recovery.code).toBe('INVALID_OTP');
  });

  test('F12: codes and tokens at rest made under secret A (LOGIN code, magic link, reset link, refresh token) still verify after the restart', async () => {
    const email = uniqueEmail('rotatecodes');
    const owner = a.client();
    const signedIn = await signUpAndVerify(a, owner, email);
    // Mailed by the instance still on secret A.
    let n = a.inbox.mailsTo(email).length;
    const { requestOtp } = await a.client().request(RequestOtpDocument, { input: { email } });
    const loginCode = codeFrom(await a.inbox.waitForMail(email, n + 1));
    n = a.inbox.mailsTo(email).length;
    await a.client().request(RequestMagicLinkDocument, { input: { email } });
    const magicToken = linkFrom(await a.inbox.waitForMail(email, n + 1)).searchParams.get('token')!;
    n = a.inbox.mailsTo(email).length;
    await a.client().request(RequestPasswordResetDocument, { input: { email } });
    const resetToken = linkFrom(await a.inbox.waitForMail(email, n + 1)).searchParams.get('token')!;

    // Used on the restarted instance (B current, A previous).
    const { refreshSession } = await b.client().request(RefreshSessionDocument, { refreshToken: signedIn.refreshToken });
    expect(refreshSession.user.email).toBe(email);
    // The rotated refresh token is hashed under B: it refreshes again.
    await expect(b.client().request(RefreshSessionDocument, { refreshToken: refreshSession.refreshToken })).resolves.toBeTruthy();
    const { verifyOtp } = await b.client().request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: loginCode } });
    expect(verifyOtp.user.email).toBe(email);
    const { verifyMagicLink } = await b.client().request(VerifyMagicLinkDocument, { token: magicToken });
    expect(verifyMagicLink.user.email).toBe(email);
    const { resetPassword } = await b.client().request(ResetPasswordDocument, { input: { token: resetToken, newPassword: 'rotated and still working 42' } });
    expect(resetPassword.user.email).toBe(email);
  });

  test('F12: an email-change undo link mailed under secret A still undoes the change after the restart with B current, A previous', async () => {
    const email = uniqueEmail('rotateundo');
    const owner = a.client();
    await signUpAndVerify(a, owner, email);
    const newEmail = uniqueEmail('rotatemoved');
    const n = a.inbox.mailsTo(email).length;
    const { requestEmailChange } = await owner.request(RequestEmailChangeDocument, { input: { newEmail } });
    const code = codeFrom(await a.inbox.waitForMail(newEmail, 1));
    const undoToken = linkFrom(await a.inbox.waitForMail(email, n + 1)).searchParams.get('token')!;
    const { verifyOtp } = await a.client().request(VerifyOtpDocument, { input: { challengeId: requestEmailChange.challengeId, code } });
    expect(verifyOtp.user.email).toBe(newEmail);

    // The owner clicks the undo link (hashed under A) on the restarted instance: the old address is back.
    expect(await b.client().request(UndoEmailChangeDocument, { token: undoToken })).toEqual({ undoEmailChange: { ok: true } });
    const rows = await a.app.dataSource.query(`SELECT email FROM ${a.table('users')} WHERE email IN ($1, $2)`, [email, newEmail]);
    expect(rows).toEqual([{ email }]);
  });
});

describe('F13, F15, F16', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        FEDERATION_ENABLED: 'true',
        FEDERATION_ROUTER_SECRET: ROUTER_SECRET,
        REDIRECT_ALLOWLIST: 'http://app.test,https://admin.app.test,https://shop.app.test',
        CORS_ORIGINS: 'http://app.test,https://admin.app.test',
      },
    });
  });
  afterAll(() => t?.close());

  /** The squatter: signs up with the owner's address and a password, and never verifies it. */
  async function squat(email: string): Promise<void> {
    const before = t.inbox.mailsTo(email).length;
    await t.client().request(SignupDocument, { input: { email, password: SQUATTER_PASSWORD } });
    await t.inbox.waitForMail(email, before + 1); // the SIGNUP code reaches the owner's mailbox, unused
  }

  /** What the squatter's password gets at login: a challenge (the password still counts) or the error's code. */
  async function squatterLogsIn(email: string): Promise<string> {
    const client = t.client();
    try {
      const { login } = await client.request(LoginDocument, { input: { email, password: SQUATTER_PASSWORD } });
      return `challenge on ${login.channel}`;
    } catch {
      return (await client.error(client.request(LoginDocument, { input: { email, password: SQUATTER_PASSWORD } }))).code ?? '';
    }
  }

  test("F13: the owner's first sign-in with an emailed LOGIN code drops the password the squatter set before the address was verified", async () => {
    const email = uniqueEmail('squat-code');
    await squat(email);
    const owner = t.client();
    const before = t.inbox.mailsTo(email).length;
    const { requestOtp } = await owner.request(RequestOtpDocument, { input: { email } });
    const code = codeFrom(await t.inbox.waitForMail(email, before + 1));
    const { verifyOtp } = await owner.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
    expect(verifyOtp.user.emailVerified).toBe(true);
    expect(await squatterLogsIn(email)).toBe('INVALID_CREDENTIALS');
  });

  test("F13: a magic link as the first verification drops the squatter's password", async () => {
    const email = uniqueEmail('squat-link');
    await squat(email);
    const before = t.inbox.mailsTo(email).length;
    await t.client().request(RequestMagicLinkDocument, { input: { email } });
    const token = linkFrom(await t.inbox.waitForMail(email, before + 1)).searchParams.get('token')!;
    const { verifyMagicLink } = await t.client().request(VerifyMagicLinkDocument, { token });
    expect(verifyMagicLink.user.emailVerified).toBe(true);
    expect(await squatterLogsIn(email)).toBe('INVALID_CREDENTIALS');
  });

  test("F13: account recovery as the first verification drops the squatter's password", async () => {
    const email = uniqueEmail('squat-recover');
    await squat(email);
    // An unverified account pending deletion (set in SQL: no flow reaches this state without a session).
    await t.app.dataSource.query(`UPDATE ${t.table('users')} SET deleted_at = now(), erase_at = now() + interval '30 days' WHERE email = $1`, [email]);
    const before = t.inbox.mailsTo(email).length;
    const { requestAccountRecovery } = await t.client().request(RequestAccountRecoveryDocument, { input: { email } });
    const code = codeFrom(await t.inbox.waitForMail(email, before + 1));
    const { recoverAccount } = await t.client().request(RecoverAccountDocument, { input: { challengeId: requestAccountRecovery.challengeId, code } });
    expect(recoverAccount.user.emailVerified).toBe(true);
    expect(await squatterLogsIn(email)).toBe('INVALID_CREDENTIALS');
  });

  test('F13: the signup code, or a LOGIN code after the password itself (both proved by one person), keeps the password', async () => {
    const email = uniqueEmail('own-signup');
    await signUpAndVerify(t, t.client(), email);
    const { login } = await t.client().request(LoginDocument, { input: { email, password: PASSWORD } });
    expect(login.channel).toBe('EMAIL');
    // Signed up, lost the signup mail, then password + LOGIN code: the challenge id came from the password step.
    const late = uniqueEmail('late-verify');
    await t.client().request(SignupDocument, { input: { email: late, password: PASSWORD } });
    await t.inbox.waitForMail(late, 1);
    const client = t.client();
    const { login: withPassword } = await client.request(LoginDocument, { input: { email: late, password: PASSWORD } });
    const code = codeFrom(await t.inbox.waitForMail(late, 2));
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: withPassword.challengeId, code } });
    expect(verifyOtp.user.emailVerified).toBe(true);
    const { login: again } = await t.client().request(LoginDocument, { input: { email: late, password: PASSWORD } });
    expect(again.channel).toBe('EMAIL');
  });

  test('F15: _entities answers null for an account pending deletion', async () => {
    const live = t.client();
    await signUpAndVerify(t, live, uniqueEmail('fed-live'));
    const deleted = t.client();
    await signUpAndVerify(t, deleted, uniqueEmail('fed-deleted'));
    const liveId = (await live.query(ViewerMfaDocument)).viewer!.id;
    const deletedId = (await deleted.query(ViewerMfaDocument)).viewer!.id;
    await deleted.request(DeleteAccountDocument);
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-router-secret': ROUTER_SECRET },
      body: JSON.stringify({
        query: 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name createdAt emailVerified } } }',
        variables: { r: [liveId, deletedId].map((id) => ({ __typename: 'User', id })) },
      }),
    });
    const body = (await res.json()) as { data: { _entities: ({ id: string } | null)[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data._entities[0]).toMatchObject({ id: liveId, emailVerified: true });
    expect(body.data._entities[1]).toBeNull();
  });

  test('F16: CORS grants only CORS_ORIGINS; an origin that is only in REDIRECT_ALLOWLIST gets no access-control-allow-origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    const redirectOnly = await preflight('https://shop.app.test');
    expect(redirectOnly.headers.get('access-control-allow-origin')).toBeNull();
    const post = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { origin: 'https://shop.app.test', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(post.headers.get('access-control-allow-origin')).toBeNull();
    for (const origin of ['http://app.test', 'https://admin.app.test']) {
      const allowed = await preflight(origin);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(origin);
      expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    }
  });
});

const ROUTER_SECRET = randomBytes(24).toString('base64url');
const SQUATTER_PASSWORD = 'squatter was here first 42';
