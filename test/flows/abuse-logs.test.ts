import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { wrongLoginRequestId } from '../support/graphql-client';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { codeFromText } from '../support/twilio-fake';
import {
  LoginDocument,
  LogoutDocument,
  RefreshSessionDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  SignupDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
  ViewerDocument,
} from '../graphql/generated/graphql';

/** Everything the app logs, at trace level, as it would reach stdout in production. */
class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

describe('logs: structured, a request id on every line, and never a password, code, token or cookie', () => {
  let t: TestApp;
  const capture = new LogCapture();
  let startupLines = 0;
  /** Secrets seen by the client during the flows; none may appear in the logs. */
  const secrets = new Set<string>();
  /** One-time codes: matched as whole numbers, so they cannot hide in timestamps. */
  const codes = new Set<string>();

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'trace' }, overrides: { logDestination: capture } });
    startupLines = capture.lines.length;
  });
  afterAll(() => t?.close());

  test('the flows of a day: signup, code, refresh, login, magic link, reset, SMS, logout, and two outages', async () => {
    const password = 'Tr0ub4dor&3-horse-battery';
    const newPassword = 'A-completely-new-passphrase-42';
    secrets.add(password).add(newPassword);
    const client = t.client({ 'user-agent': 'log-test' });

    const { signup } = await client.request(SignupDocument, { input: { email: 'logs@example.com', password } });
    const signupCode = codeFrom(await t.inbox.waitForMail('logs@example.com', 1));
    codes.add(signupCode);
    const first = (await client.request(VerifyOtpDocument, { input: { challengeId: signup.challengeId, code: signupCode } })).verifyOtp;
    secrets.add(first.accessToken).add(first.refreshToken).add(client.cookies.get('warden_refresh')!);
    client.accessToken = first.accessToken;
    await client.query(ViewerDocument);

    const refreshed = (await client.request(RefreshSessionDocument, {})).refreshSession; // from the cookie
    secrets.add(refreshed.accessToken).add(refreshed.refreshToken);

    const wrongPassword = 'Not-the-right-password-77';
    secrets.add(wrongPassword);
    expect((await client.error(client.request(LoginDocument, { input: { email: 'logs@example.com', password: wrongPassword } }))).code).toBe(
      'INVALID_CREDENTIALS',
    );
    const { login } = await client.request(LoginDocument, { input: { email: 'logs@example.com', password } });
    const loginCode = codeFrom(await t.inbox.waitForMail('logs@example.com', 2));
    const wrongCode = loginCode === '987654' ? '876543' : '987654';
    codes.add(loginCode).add(wrongCode);
    expect((await client.error(client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: wrongCode } }))).code).toBe('INVALID_OTP');
    const second = (await client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: loginCode } })).verifyOtp;
    secrets.add(second.accessToken).add(second.refreshToken);

    await client.request(RequestMagicLinkDocument, { input: { email: 'logs@example.com' } });
    const magicToken = linkFrom(await t.inbox.waitForMail('logs@example.com', 3)).searchParams.get('token')!;
    secrets.add(magicToken);
    // Opened on the same device (another one would add a "new sign-in" notice to the mails counted here).
    const third = (await t.client({ 'user-agent': 'log-test' }).request(VerifyMagicLinkDocument, { token: magicToken })).verifyMagicLink;
    secrets.add(third.accessToken).add(third.refreshToken);

    await client.request(RequestPasswordResetDocument, { input: { email: 'logs@example.com' } });
    const resetMail = await t.inbox.waitForMail('logs@example.com', 4);
    const resetToken = linkFrom(resetMail).searchParams.get('token')!;
    secrets.add(resetToken);
    codes.add(codeFrom(resetMail));
    // The new password and the token travel through the resolver; the reset signs in afresh.
    const afterReset = (await client.request(ResetPasswordDocument, { input: { token: resetToken, newPassword } })).resetPassword;
    secrets.add(afterReset.accessToken).add(afterReset.refreshToken);

    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone: '+447400123456' } });
    const smsCode = codeFromText(t.twilio.textsTo('+447400123456')[0]!);
    codes.add(smsCode);
    const fourth = (await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: smsCode } })).verifyOtp;
    secrets.add(fourth.accessToken).add(fourth.refreshToken);

    // A GET carries its document and variables in the URL: the URL is logged without them.
    const marker = 'secret-in-a-get-query-string';
    secrets.add(marker);
    const url = `${t.url}/graphql?query=${encodeURIComponent('query Q { viewer { id } }')}&variables=${encodeURIComponent(JSON.stringify({ x: marker }))}`;
    expect((await fetch(url, { headers: { 'apollo-require-preflight': '1', authorization: `Bearer ${first.accessToken}` } })).status).toBe(200);

    // Outages log their causes (error level) — still without what was being sent.
    t.inbox.refuse(421, 'Service not available');
    expect((await client.error(client.request(LoginDocument, { input: { email: 'logs@example.com', password: newPassword } }))).code).toBe(
      'SERVICE_UNAVAILABLE',
    );
    t.inbox.accept();
    t.twilio.failWith(500);
    expect((await client.error(client.request(RequestOtpDocument, { input: { phone: '+447400123457' } }))).code).toBe('SERVICE_UNAVAILABLE');
    t.twilio.succeed();

    client.accessToken = fourth.accessToken;
    expect((await client.request(LogoutDocument, {})).logout).toBe(true);
  });

  test('no password, code, token or cookie value appears anywhere in the captured logs', () => {
    const text = capture.lines.join('\n');
    expect(capture.lines.length).toBeGreaterThan(50);
    for (const secret of secrets) {
      expect(text.includes(secret)).toBe(false);
      // A token's secret half alone would be as bad.
      const dot = secret.indexOf('.');
      if (dot > 0 && secret.length - dot > 20) expect(text.includes(secret.slice(dot + 1))).toBe(false);
    }
    for (const code of codes) expect(text).not.toMatch(new RegExp(`(?<![0-9A-Za-z])${code}(?![0-9A-Za-z])`));
    expect(text).not.toMatch(/Bearer\s+ey/);
    expect(text).not.toMatch(/warden_refresh=/);
    // The outages were logged, at error level, with their code.
    const errors = capture.lines.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
    expect(
      errors
        .filter((l) => l.code === 'SERVICE_UNAVAILABLE')
        .map((l) => l.dependency)
        .sort(),
    ).toEqual(['smtp', 'twilio']);
  });

  test('every line is JSON, and every line written while serving a request carries its reqId', () => {
    const lines = capture.lines.slice(startupLines).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(50);
    // The revocation subscriber logs its own state changes from the background, outside any request; so does the
    // audit sealer, each head it seals (docs/audit.md: the logged heads are what an export is checked against).
    const background = (l: Record<string, unknown>) => typeof l.msg === 'string' && (l.msg.startsWith('pub/sub') || l.msg === 'audit chain sealed');
    const without = lines.filter((l) => typeof l.reqId !== 'string' && !background(l));
    expect(without).toEqual([]);
    // Error lines from the error formatter, services and Apollo are among them.
    expect(lines.some((l) => l.code === 'INVALID_CREDENTIALS' && typeof l.reqId === 'string')).toBe(true);
    expect(lines.some((l) => l.msg === 'graphql operation')).toBe(true);
  });

  test('the reqId of a request’s log lines is the x-request-id the client got back', async () => {
    const requestId = await wrongLoginRequestId(t.url);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const mine = capture.lines.map((l) => JSON.parse(l)).filter((l) => l.reqId === requestId);
    expect(mine.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['incoming request', 'Email or password is incorrect.', 'graphql operation', 'request completed']),
    );
  });
});
