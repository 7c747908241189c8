import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PwnedPasswordsFake, sha1Hex } from '../support/pwned-passwords-fake';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';
import { codeFrom } from '../support/smtp-inbox';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import { MetricsScrape } from '../support/metrics';
import {
  ChangePasswordDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  SetPasswordDocument,
  SignupDocument,
  VerifyOtpDocument,
} from '../graphql/generated/graphql';

/** Everything the app logs, at trace level. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/** A password no list holds (the bundled common list or the fake's breaches) until a test adds it. */
const fresh = (label: string) => `${label} ${randomBytes(9).toString('base64url')} passphrase`;
const TIMEOUT_MS = 400;
/** What a request may take beyond HIBP_TIMEOUT_MS (signup's own work: a hash at BCRYPT_COST=4, rows, a mail). */
const MARGIN_MS = 1500;

const hibpEnv = (fake: PwnedPasswordsFake, mode: 'open' | 'closed') => ({
  HIBP_ENABLED: 'true',
  HIBP_API_URL: fake.url,
  HIBP_TIMEOUT_MS: String(TIMEOUT_MS),
  HIBP_FAILURE_MODE: mode,
});

describe('breached passwords: Pwned Passwords range checks (HIBP_ENABLED) against a stand-in', () => {
  let fake: PwnedPasswordsFake;
  let t: TestApp;
  let closed: TestApp;
  const logs = new LogCapture();
  /** Every password a test used: none may reach the logs, nor its SHA-1, prefix or suffix. */
  const used = new Set<string>();
  const use = (password: string) => (used.add(password), password);

  beforeAll(async () => {
    fake = await PwnedPasswordsFake.start();
    t = await startTestApp({ env: { ...hibpEnv(fake, 'open'), LOG_LEVEL: 'trace' }, overrides: { logDestination: logs } });
    closed = await startTestApp({ env: hibpEnv(fake, 'closed') });
  });
  afterAll(async () => {
    await t?.close();
    await closed?.close();
    await fake?.stop();
  });
  beforeEach(() => {
    fake.mode = 'ok';
  });

  const signupError = async (app: TestApp, password: string, email = uniqueEmail('hibp')) =>
    app.client().error(app.client().request(SignupDocument, { input: { email, password } }));

  test('a breached password is refused with WEAK_PASSWORD BREACHED at signup, resetPassword, changePassword and setPassword; a safe one is accepted', async () => {
    const breached = use(fresh('breached'));
    fake.add(breached);

    // signup: refused, no account and no mail; the safe password signs up.
    const email = uniqueEmail('hibp-signup');
    const err = await signupError(t, breached, email);
    expect(err).toMatchObject({ code: 'WEAK_PASSWORD', extensions: { field: 'password', reason: 'BREACHED' } });
    expect(t.inbox.mailsTo(email)).toHaveLength(0);
    const client = t.client();
    await signUpAndVerify(t, client, email, PASSWORD);

    // changePassword
    const changeErr = await client.error(client.request(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: breached } }));
    expect(changeErr).toMatchObject({ code: 'WEAK_PASSWORD', extensions: { field: 'newPassword', reason: 'BREACHED' } });
    const changed = use(fresh('changed'));
    const { changePassword } = await client.request(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: changed } });
    expect(changePassword.user.email).toBe(email);

    // resetPassword: refused, and the code is not spent by the refusal.
    const before = t.inbox.mailsTo(email).length;
    const { requestPasswordReset } = await t.client().request(RequestPasswordResetDocument, { input: { email } });
    const code = codeFrom(await t.inbox.waitForMail(email, before + 1));
    const resetErr = await t
      .client()
      .error(t.client().request(ResetPasswordDocument, { input: { challengeId: requestPasswordReset.challengeId, code, newPassword: breached } }));
    expect(resetErr).toMatchObject({ code: 'WEAK_PASSWORD', extensions: { field: 'newPassword', reason: 'BREACHED' } });
    const { resetPassword } = await t
      .client()
      .request(ResetPasswordDocument, { input: { challengeId: requestPasswordReset.challengeId, code, newPassword: use(fresh('reset')) } });
    expect(resetPassword.user.email).toBe(email);

    // setPassword: an account without a password (signed in by SMS).
    const phone = uniquePhone();
    const phoneClient = t.client();
    const { requestOtp } = await phoneClient.request(RequestOtpDocument, { input: { phone } });
    await new Promise((r) => setTimeout(r, 50));
    const text = t.twilio.textsTo(phone).at(-1)!;
    const { verifyOtp } = await phoneClient.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFromText(text) } });
    phoneClient.accessToken = verifyOtp.accessToken;
    const setErr = await phoneClient.error(phoneClient.request(SetPasswordDocument, { input: { newPassword: breached } }));
    expect(setErr).toMatchObject({ code: 'WEAK_PASSWORD', extensions: { field: 'newPassword', reason: 'BREACHED' } });
    const { setPassword } = await phoneClient.request(SetPasswordDocument, { input: { newPassword: use(fresh('set')) } });
    expect(setPassword.user.phone).toBe(phone);
  });

  test('the request carries only the 5-character prefix and Add-Padding: true; padded count-0 entries do not count as breached', async () => {
    const password = use(fresh('padded'));
    fake.add(password, 0); // listed as the padding is: count 0
    const { prefix, suffix } = sha1Hex(password);
    const email = uniqueEmail('hibp-padding');
    const { signup } = await t.client().request(SignupDocument, { input: { email, password } });
    expect(signup.purpose).toBe('SIGNUP');
    const requests = fake.requestsFor(password);
    expect(requests).toHaveLength(1);
    expect(requests[0]!.path).toBe(`/range/${prefix}`);
    expect(requests[0]!.headers['add-padding']).toBe('true');
    // Nothing else about the password left: no suffix, no full hash, no password, in the path or any header.
    const sent = JSON.stringify(fake.requests);
    expect(sent).not.toContain(suffix);
    expect(sent.toLowerCase()).not.toContain(suffix.toLowerCase());
    expect(sent).not.toContain(password);
  });

  test('a second check of the same prefix makes no request (the range is cached)', async () => {
    const password = use(fresh('cached'));
    fake.add(password);
    expect((await signupError(t, password)).extensions.reason).toBe('BREACHED');
    expect((await signupError(t, password)).extensions.reason).toBe('BREACHED');
    expect(fake.requestsFor(password)).toHaveLength(1);
  });

  test('a breached and a policy-weak password answer with the same shape, before any account work', async () => {
    const breached = use(fresh('oracle'));
    fake.add(breached);
    const email = uniqueEmail('hibp-oracle');
    const answers = [await signupError(t, breached, email), await signupError(t, 'short', email), await signupError(t, 'password123', email)];
    expect(answers.map((a) => a.extensions.reason)).toEqual(['BREACHED', 'TOO_SHORT', 'COMMON']);
    for (const answer of answers) {
      expect(answer.code).toBe('WEAK_PASSWORD');
      expect(Object.keys(answer.extensions).sort()).toEqual(Object.keys(answers[1]!.extensions).sort());
      expect(answer.extensions.field).toBe('password');
    }
    // Nothing happened for the address either way: no mail, and it is still free to sign up.
    expect(t.inbox.mailsTo(email)).toHaveLength(0);
    // A taken address answers exactly as a free one (the check runs before the account lookup), and its owner gets no mail.
    const taken = uniqueEmail('hibp-taken');
    await signUpAndVerify(t, t.client(), taken);
    const mailsBefore = t.inbox.mailsTo(taken).length;
    expect(await signupError(t, breached, taken)).toEqual(answers[0]);
    await new Promise((r) => setTimeout(r, 100));
    expect(t.inbox.mailsTo(taken)).toHaveLength(mailsBefore);
    const { signup } = await t.client().request(SignupDocument, { input: { email, password: use(fresh('free')) } });
    expect(signup.purpose).toBe('SIGNUP');
  });

  test('a hanging range API: open accepts and closed answers SERVICE_UNAVAILABLE hibp, each within HIBP_TIMEOUT_MS + margin', async () => {
    fake.mode = 'hang';
    for (const [app, mode] of [
      [t, 'open'],
      [closed, 'closed'],
    ] as const) {
      const password = use(fresh(`hang-${mode}`));
      fake.add(password); // breached, but the API does not answer
      const started = Date.now();
      const result = await app
        .client()
        .request(SignupDocument, { input: { email: uniqueEmail(`hibp-hang-${mode}`), password } })
        .then(
          (r) => ({ ok: r.signup.purpose }),
          (e: unknown) => ({ error: e }),
        );
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
      expect(fake.requestsFor(password)).toHaveLength(1);
      if (mode === 'open') expect(result).toEqual({ ok: 'SIGNUP' });
      else {
        const err = await app.client().error(Promise.reject((result as { error: unknown }).error));
        expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: { dependency: 'hibp' } });
      }
    }
  });

  test('a range API that sends its headers and then stalls is timed out too (the body is read under the same signal)', async () => {
    fake.mode = 'stall';
    const password = use(fresh('stall'));
    const started = Date.now();
    const err = await signupError(closed, password);
    const elapsed = Date.now() - started;
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: { dependency: 'hibp' } });
    expect(fake.requestsFor(password)).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(TIMEOUT_MS + MARGIN_MS);
  });

  test('a 500 from the range API: open accepts, closed answers SERVICE_UNAVAILABLE hibp, and the error is counted', async () => {
    fake.mode = 'error';
    const errors = async () => (await MetricsScrape.of(t.url)).value('warden_hibp_checks_total', { outcome: 'error' });
    const before = await errors();
    const open = use(fresh('err-open'));
    const { signup } = await t.client().request(SignupDocument, { input: { email: uniqueEmail('hibp-500'), password: open } });
    expect(signup.purpose).toBe('SIGNUP');
    const err = await signupError(closed, use(fresh('err-closed')));
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: { dependency: 'hibp' } });
    expect((await errors()) - before).toBe(1);
    // A failure is not cached: the API answers again, and the breached password is then refused.
    fake.mode = 'ok';
    fake.add(open);
    expect((await signupError(t, open)).extensions.reason).toBe('BREACHED');
  });

  test('no password, SHA-1, prefix or suffix appears in the logs, even on a failure in open mode', async () => {
    expect(used.size).toBeGreaterThan(5);
    const text = logs.lines.join('\n');
    expect(text).toMatch(/Pwned Passwords check failed/); // the failures above were logged, without their inputs
    for (const password of used) {
      const { hex, prefix, suffix } = sha1Hex(password);
      expect(text).not.toContain(password);
      for (const piece of [hex, suffix]) {
        expect(text).not.toContain(piece);
        expect(text).not.toContain(piece.toLowerCase());
      }
      expect(text).not.toMatch(new RegExp(`\\b${prefix}\\b`));
    }
  });
});

describe('breached passwords off (the default outside production)', () => {
  let fake: PwnedPasswordsFake;
  let t: TestApp;
  beforeAll(async () => {
    fake = await PwnedPasswordsFake.start();
    t = await startTestApp({ env: { HIBP_ENABLED: '', HIBP_API_URL: fake.url } }); // '': unset, the default
  });
  afterAll(async () => {
    await t?.close();
    await fake?.stop();
  });

  test('with HIBP off a common password is still refused (COMMON) and no request is made', async () => {
    const breached = fresh('unchecked');
    fake.add(breached);
    const client = t.client();
    const err = await client.error(client.request(SignupDocument, { input: { email: uniqueEmail('off'), password: 'iloveyou123' } }));
    expect(err).toMatchObject({ code: 'WEAK_PASSWORD', extensions: { field: 'password', reason: 'COMMON' } });
    const { signup } = await client.request(SignupDocument, { input: { email: uniqueEmail('off'), password: breached } });
    expect(signup.purpose).toBe('SIGNUP');
    expect(fake.requests).toHaveLength(0);
  });
});
