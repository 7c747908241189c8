import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN, type TestApp } from '../support/start-test-app';
import { codeFromText } from '../support/twilio-fake';
import { spaced, uniquePhone } from '../support/phones';
import { uniqueEmail } from '../support/flows';
import { opensTransaction, statementsDuring } from '../support/statements';
import { RequestOtpDocument, VerifyOtpDocument, ViewerDocument } from '../graphql/generated/graphql';

describe('passwordless sign-in by SMS: requestOtp(phone) → texted code → verifyOtp', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const count = async (sql: string, params: unknown[]) => Number((await t.app.dataSource.query(sql, params))[0].n);
  const usersWithPhone = (phone: string) => count(`SELECT count(*) AS n FROM ${t.table('users')} WHERE phone = $1`, [phone]);
  const challengesTo = (destination: string) => count(`SELECT count(*) AS n FROM ${t.table('otp_challenges')} WHERE destination = $1`, [destination]);

  test('an unknown phone is texted a LOGIN code through Twilio; verifying it creates the account and signs in', async () => {
    const phone = uniquePhone();
    const client = t.client({ 'user-agent': 'jest-phone/1.0' });
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone: spaced(phone) } });
    expect(requestOtp).toMatchObject({ channel: 'SMS', purpose: 'LOGIN', destination: `+33******${phone.slice(-3)}` });
    expect(new Date(requestOtp.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);

    // What the real twilio SDK sent to the Messages API.
    const [text, ...more] = t.twilio.textsTo(phone);
    expect(more).toHaveLength(0);
    expect(text).toMatchObject({ accountSid: TWILIO_SID, to: phone, from: TWILIO_FROM, messagingServiceSid: null, basicAuth: `${TWILIO_SID}:${TWILIO_TOKEN}` });
    expect(text!.body).toMatch(/^\d{6} is your Warden code\. It expires in 10 minutes\. Never share it\.$/);

    // No account exists until the code is verified.
    expect(await usersWithPhone(phone)).toBe(0);

    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFromText(text!) } });
    expect(verifyOtp.user).toMatchObject({ phone, phoneVerified: true, email: null, emailVerified: false, organization: null });
    expect(await usersWithPhone(phone)).toBe(1);

    client.accessToken = verifyOtp.accessToken;
    const { viewer } = await client.query(ViewerDocument);
    expect(viewer).toMatchObject({ id: verifyOtp.user.id, phone, phoneVerified: true });
    expect(viewer!.sessions).toEqual([expect.objectContaining({ current: true, userAgent: 'jest-phone/1.0' })]);

    const created = await t.app.dataSource.query(`SELECT event FROM ${t.table('audit_events')} WHERE user_id = $1 ORDER BY created_at`, [verifyOtp.user.id]);
    expect(created.map((r: { event: string }) => r.event)).toEqual(expect.arrayContaining(['user.created_from_phone', 'otp.verified', 'session.created']));
  });

  test('the same phone logs in again: the second code finds the existing account instead of creating one', async () => {
    const phone = uniquePhone();
    const first = t.client();
    const { requestOtp: one } = await first.request(RequestOtpDocument, { input: { phone } });
    const { verifyOtp: signedUp } = await first.request(VerifyOtpDocument, {
      input: { challengeId: one.challengeId, code: codeFromText(t.twilio.textsTo(phone)[0]!) },
    });

    const second = t.client();
    const { requestOtp: two } = await second.request(RequestOtpDocument, { input: { phone } });
    const [challenge] = await t.app.dataSource.query(`SELECT user_id FROM ${t.table('otp_challenges')} WHERE id = $1`, [two.challengeId]);
    expect(challenge.user_id).toBe(signedUp.user.id);
    const {
      result: { verifyOtp: loggedIn },
      statements,
    } = await statementsDuring(() =>
      second.request(VerifyOtpDocument, { input: { challengeId: two.challengeId, code: codeFromText(t.twilio.textsTo(phone)[1]!) } }),
    );
    // A verified phone's LOGIN code: the one-statement sign-in, no transaction.
    expect(statements.filter(opensTransaction)).toEqual([]);

    expect(loggedIn.user).toMatchObject({ id: signedUp.user.id, phone, phoneVerified: true, organization: null });
    expect(await usersWithPhone(phone)).toBe(1);
    second.accessToken = loggedIn.accessToken;
    const { viewer } = await second.query(ViewerDocument);
    expect(viewer!.sessions).toHaveLength(2);
    const creations = await count(`SELECT count(*) AS n FROM ${t.table('audit_events')} WHERE user_id = $1 AND event = 'user.created_from_phone'`, [
      signedUp.user.id,
    ]);
    expect(creations).toBe(1);
  });

  test('two codes for one new phone verified at the same moment create one account, not two', async () => {
    const phone = uniquePhone();
    const a = await t.client().request(RequestOtpDocument, { input: { phone } });
    const b = await t.client().request(RequestOtpDocument, { input: { phone } });
    const [textA, textB] = t.twilio.textsTo(phone);
    const [ra, rb] = await Promise.all([
      t.client().request(VerifyOtpDocument, { input: { challengeId: a.requestOtp.challengeId, code: codeFromText(textA!) } }),
      t.client().request(VerifyOtpDocument, { input: { challengeId: b.requestOtp.challengeId, code: codeFromText(textB!) } }),
    ]);
    expect(ra.verifyOtp.user.id).toBe(rb.verifyOtp.user.id);
    expect(await usersWithPhone(phone)).toBe(1);
  });

  test('a texted code is single use and attempt-limited like an emailed one', async () => {
    const phone = uniquePhone();
    const client = t.client();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone } });
    const code = codeFromText(t.twilio.textsTo(phone)[0]!);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: wrong } }));
    expect(err).toMatchObject({ code: 'INVALID_OTP', extensions: expect.objectContaining({ attemptsLeft: 4 }) });
    await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
    const again = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } }));
    expect(again.code).toBe('OTP_EXPIRED');
  });

  test.each([
    ['07911123456', 'national form without +country code'],
    ['447911123456', 'no leading +'],
    ['0033612345678', '00 instead of +'],
    ['+447700900123', 'E.164-shaped but not a number any operator serves'],
    ['+33 6 12', 'too short'],
    ['+3361234567890123', 'more than 15 digits'],
    ['call me', 'not a number'],
    ['+33612345678\n+33612345679', 'two numbers'],
  ])('requestOtp(phone: %p) is BAD_USER_INPUT and nothing is sent or stored (%s)', async (phone) => {
    const client = t.client();
    const before = t.twilio.requestCount;
    const err = await client.error(client.request(RequestOtpDocument, { input: { phone } }));
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', extensions: expect.objectContaining({ field: expect.stringMatching(/^(input\.)?phone$/) }) });
    expect(t.twilio.requestCount).toBe(before);
    expect(await challengesTo(phone)).toBe(0);
  });

  test('requestOtp needs exactly one of email or phone', async () => {
    const client = t.client();
    const before = t.twilio.requestCount;
    const both = await client.error(client.request(RequestOtpDocument, { input: { email: uniqueEmail(), phone: uniquePhone() } }));
    const neither = await client.error(client.request(RequestOtpDocument, { input: {} }));
    const nulls = await client.error(client.request(RequestOtpDocument, { input: { email: null, phone: null } }));
    expect([both.code, neither.code, nulls.code]).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(t.twilio.requestCount).toBe(before);
    expect(t.inbox.mails).toHaveLength(0);
  });
});

describe('TWILIO_FROM set to a messaging service SID', () => {
  const serviceSid = 'MG' + '0123456789abcdef'.repeat(2);
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { TWILIO_FROM: serviceSid } });
  });
  afterAll(() => t.close());

  test('the text goes out with MessagingServiceSid and no From', async () => {
    const phone = uniquePhone();
    await t.client().request(RequestOtpDocument, { input: { phone } });
    const [text] = t.twilio.textsTo(phone);
    expect(text).toMatchObject({ to: phone, from: null, messagingServiceSid: serviceSid, basicAuth: `${TWILIO_SID}:${TWILIO_TOKEN}` });
    expect(codeFromText(text!)).toMatch(/^\d{6}$/);
  });
});

describe('no Twilio settings (development): texts go to the log and the outbox', () => {
  let t: TestApp;
  let dataDir: string;
  const printed: string[] = [];
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'warden-outbox-'));
    t = await startTestApp({
      env: { NODE_ENV: 'development', TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_FROM: '', DATA_DIR: dataDir },
      overrides: { outboxPrint: (line) => printed.push(line) },
    });
  });
  afterAll(async () => {
    await t.close();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  test('the code is printed and saved under DATA_DIR/outbox, nothing reaches Twilio, and the code verifies', async () => {
    const phone = uniquePhone();
    const client = t.client();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone } });
    expect(t.twilio.requestCount).toBe(0);
    const line = printed.find((l) => l.includes(phone))!;
    const code = /(\d{6}) is your Warden code/.exec(line)![1]!;
    const files = await fs.readdir(path.join(dataDir, 'outbox'));
    const saved = await Promise.all(files.map(async (f) => JSON.parse(await fs.readFile(path.join(dataDir, 'outbox', f), 'utf8'))));
    expect(saved).toContainEqual(expect.objectContaining({ kind: 'sms', to: phone, body: expect.stringContaining(code) }));
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
    expect(verifyOtp.user.phone).toBe(phone);
  });
});
