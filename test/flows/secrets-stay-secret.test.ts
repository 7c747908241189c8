import { Writable } from 'node:stream';
import { print } from 'graphql';
import { startTestApp, TWILIO_SID, TWILIO_TOKEN, type TestApp } from '../support/start-test-app';
import { codeFrom, linkFrom } from '../support/smtp-inbox';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';
import {
  RefreshSessionDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  VerifyMagicLinkDocument,
  VerifyOtpDocument,
} from '../graphql/generated/graphql';

/**
 * Runs every passwordless and recovery flow, the failures included, with the most verbose log level,
 * then looks for each code, token and password in the audit table and in the log.
 */
describe('codes, tokens and passwords never reach the audit table or the log', () => {
  let t: TestApp;
  const lines: string[] = [];
  const secrets = new Set<string>();
  const NEW_PASSWORD = 'the new secret passphrase 9';

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    t = await startTestApp({ env: { LOG_LEVEL: 'trace' }, overrides: { logDestination: destination } });
  });
  afterAll(() => t.close());

  const ua = { 'user-agent': 'secrets-test/1.0' };
  const keep = (...values: (string | null | undefined)[]) => values.forEach((v) => v && secrets.add(v));

  test('all flows, good and bad, run through', async () => {
    const client = t.client(ua);
    const email = uniqueEmail('secret');
    keep(PASSWORD, NEW_PASSWORD, TWILIO_TOKEN, Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64'), t.env.WARDEN_SECRET);

    const signedUp = await signUpAndVerify(t, t.client(ua), email);
    keep(signedUp.accessToken, signedUp.refreshToken);

    // Email code: one wrong try, then the right one.
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email } });
    const emailCode = codeFrom(await t.inbox.waitForMail(email, 2));
    keep(emailCode);
    await client.error(
      client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: String((Number(emailCode) + 1) % 1e6).padStart(6, '0') } }),
    );
    keep((await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: emailCode } })).verifyOtp.refreshToken);

    // SMS code for a new phone.
    const phone = uniquePhone();
    const { requestOtp: sms } = await client.request(RequestOtpDocument, { input: { phone } });
    const smsCode = codeFromText(t.twilio.textsTo(phone)[0]!);
    keep(smsCode);
    const bySms = await client.request(VerifyOtpDocument, { input: { challengeId: sms.challengeId, code: smsCode } });
    keep(bySms.verifyOtp.accessToken, bySms.verifyOtp.refreshToken);

    // Magic link: used, reused, and presented over GET as a link prefetcher would.
    await client.request(RequestMagicLinkDocument, { input: { email, redirectTo: 'https://admin.app.test/x' } });
    const magic = linkFrom(await t.inbox.waitForMail(email, 3)).searchParams.get('token')!;
    keep(magic, magic.split('.')[1]);
    const used = await client.request(VerifyMagicLinkDocument, { token: magic });
    keep(used.verifyMagicLink.accessToken, used.verifyMagicLink.refreshToken);
    await client.error(client.request(VerifyMagicLinkDocument, { token: magic }));
    await fetch(
      `${t.url}/graphql?query=${encodeURIComponent(print(VerifyMagicLinkDocument))}&variables=${encodeURIComponent(JSON.stringify({ token: magic }))}`,
      {
        headers: { 'apollo-require-preflight': 'true', ...ua },
      },
    );

    // Refresh.
    keep((await client.request(RefreshSessionDocument, { refreshToken: used.verifyMagicLink.refreshToken })).refreshSession.refreshToken);

    // Password reset by link with a wrong token first, then by code.
    await client.request(RequestPasswordResetDocument, { input: { email } });
    const resetMail = await t.inbox.waitForMail(email, 4);
    const resetToken = linkFrom(resetMail).searchParams.get('token')!;
    keep(codeFrom(resetMail), resetToken, resetToken.split('.')[1]);
    await client.error(client.request(ResetPasswordDocument, { input: { token: resetToken.slice(0, -2) + 'xx', newPassword: NEW_PASSWORD } }));
    keep((await client.request(ResetPasswordDocument, { input: { token: resetToken, newPassword: NEW_PASSWORD } })).resetPassword.refreshToken);

    // Sends that fail: Twilio 500 (a code was generated and handed over) and SMTP refusing.
    t.twilio.failWith(500);
    await client.error(client.request(RequestOtpDocument, { input: { phone: uniquePhone() } }));
    t.twilio.succeed();
    for (const attempt of t.twilio.attempts) keep(codeFromText(attempt));
    t.inbox.refuse();
    await client.error(client.request(RequestPasswordResetDocument, { input: { email } }));
    t.inbox.accept();

    expect(secrets.size).toBeGreaterThan(15);
  });

  /** Also finds secrets inside URL-encoded text (a query string in a request line). */
  const percentDecoded = (text: string) => text.replace(/%[0-9A-Fa-f]{2}/g, (m) => String.fromCharCode(parseInt(m.slice(1), 16)));
  /**
   * Long secrets (tokens, passwords) as plain substrings; short codes only when not part of a longer run of
   * letters or digits, so a timestamp or an id that happens to contain the six digits is not a false alarm.
   */
  const appearsIn = (haystack: string, secret: string) => {
    const texts = [haystack, percentDecoded(haystack)];
    if (secret.length >= 16) return texts.some((text) => text.includes(secret));
    const re = new RegExp(`(?<![0-9A-Za-z])${secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![0-9A-Za-z])`);
    return texts.some((text) => re.test(text));
  };

  test('the audit table holds what happened, with IP and user agent, and none of the secrets', async () => {
    const audit: { event: string; outcome: string; ip: string | null; user_agent: string | null; data: unknown }[] = await t.app.dataSource.query(
      `SELECT event, outcome, ip, user_agent, data FROM ${t.table('audit_events')}`,
    );
    for (const event of [
      'otp.sent',
      'otp.verified',
      'otp.failed',
      'user.created_from_phone',
      'magic_link.sent',
      'magic_link.used',
      'magic_link.failed',
      'password_reset.sent',
      'password_reset.failed',
      'password_reset.completed',
      'session.revoked',
      'delivery.failed',
    ]) {
      expect(audit.map((a) => a.event)).toContain(event);
    }
    for (const row of audit.filter((a) => a.user_agent !== null))
      expect(row).toMatchObject({ ip: '127.0.0.1', user_agent: expect.stringMatching(/secrets-test|node/) });
    const text = JSON.stringify(audit);
    for (const secret of secrets) expect({ secret, found: appearsIn(text, secret) }).toEqual({ secret, found: false });
  });

  test('the log (level trace) holds none of the secrets', () => {
    const log = lines.join('');
    expect(log).toMatch(/"msg":"incoming request"/);
    expect(log).toMatch(/SERVICE_UNAVAILABLE/);
    for (const secret of secrets) expect({ secret, found: appearsIn(log, secret) }).toEqual({ secret, found: false });
  });
});
