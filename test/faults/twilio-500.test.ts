import net from 'node:net';
import { Writable } from 'node:stream';
import { startTestApp, TWILIO_SID, TWILIO_TOKEN, type TestApp } from '../support/start-test-app';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import { RequestOtpDocument, ResendOtpDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

describe('Twilio answering 500: SERVICE_UNAVAILABLE, no usable code, nothing half-written', () => {
  let t: TestApp;
  beforeAll(async () => {
    // A one-second resend cooldown so the resend case does not wait a minute.
    t = await startTestApp({ env: { OTP_RESEND_COOLDOWN_SECONDS: '1' } });
  });
  afterAll(() => t.close());
  afterEach(() => t.twilio.succeed());

  const count = async (sql: string, params: unknown[]) => Number((await t.app.dataSource.query(sql, params))[0].n);
  // Usable challenges: a challenge whose text could not be sent is kept, spent (commit, then send).
  const challengesTo = (phone: string) =>
    count(`SELECT count(*) AS n FROM ${t.table('otp_challenges')} WHERE destination = $1 AND consumed_at IS NULL`, [phone]);
  const usersWithPhone = (phone: string) => count(`SELECT count(*) AS n FROM ${t.table('users')} WHERE phone = $1`, [phone]);
  const deliveryFailures = () =>
    count(`SELECT count(*) AS n FROM ${t.table('audit_events')} WHERE event = 'delivery.failed' AND outcome = 'failure' AND data = $1::jsonb`, [
      JSON.stringify({ flow: 'otp', channel: 'SMS', dependency: 'twilio' }),
    ]);

  test('a new phone: the SDK tried once, the caller gets SERVICE_UNAVAILABLE, no challenge and no user are kept', async () => {
    const phone = uniquePhone();
    const failuresBefore = await deliveryFailures();
    t.twilio.failWith(500);
    const client = t.client();
    const err = await client.error(client.request(RequestOtpDocument, { input: { phone } }));
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: expect.objectContaining({ dependency: 'twilio' }) });
    expect(err.message).not.toMatch(/twilio|20500|Internal Server Error/i);

    const attempts = t.twilio.attempts.filter((a) => a.to === phone);
    expect(attempts).toHaveLength(1);
    expect(codeFromText(attempts[0]!)).toMatch(/^\d{6}$/); // a code was generated and handed to Twilio…
    expect(await challengesTo(phone)).toBe(0); // …but no challenge exists that it could ever verify.
    expect(await usersWithPhone(phone)).toBe(0);
    expect(await deliveryFailures()).toBe(failuresBefore + 1);

    // Once Twilio is back, the same phone signs up normally: nothing left over got in the way.
    t.twilio.succeed();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone } });
    const { verifyOtp } = await client.request(VerifyOtpDocument, {
      input: { challengeId: requestOtp.challengeId, code: codeFromText(t.twilio.textsTo(phone)[0]!) },
    });
    expect(verifyOtp.user).toMatchObject({ phone, phoneVerified: true });
    expect(await usersWithPhone(phone)).toBe(1);
    expect(await challengesTo(phone)).toBe(0); // the one that was texted is used; the failed one was spent
  });

  test('an existing phone account: no new challenge, the account untouched', async () => {
    const phone = uniquePhone();
    const client = t.client();
    const first = await client.request(RequestOtpDocument, { input: { phone } });
    const { verifyOtp } = await client.request(VerifyOtpDocument, {
      input: { challengeId: first.requestOtp.challengeId, code: codeFromText(t.twilio.textsTo(phone)[0]!) },
    });
    const [before] = await t.app.dataSource.query(`SELECT * FROM ${t.table('users')} WHERE id = $1`, [verifyOtp.user.id]);

    t.twilio.failWith(503);
    expect((await client.error(client.request(RequestOtpDocument, { input: { phone } }))).code).toBe('SERVICE_UNAVAILABLE');
    expect(await challengesTo(phone)).toBe(0); // the first was used; the one Twilio refused is spent
    const [after] = await t.app.dataSource.query(`SELECT * FROM ${t.table('users')} WHERE id = $1`, [verifyOtp.user.id]);
    expect(after).toEqual(before);
  });

  test('resendOtp while Twilio fails: SERVICE_UNAVAILABLE with the challenge unchanged; a retry once Twilio is back is not held back by the cooldown, and only its code works', async () => {
    const phone = uniquePhone();
    const client = t.client();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone } });
    const earlier = codeFromText(t.twilio.textsTo(phone)[0]!);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the one-second cooldown

    const row = () =>
      t.app.dataSource.query(`SELECT code_hash, send_count, expires_at FROM ${t.table('otp_challenges')} WHERE id = $1`, [requestOtp.challengeId]);
    const [before] = await row();
    t.twilio.failWith(500);
    expect((await client.error(client.request(ResendOtpDocument, { challengeId: requestOtp.challengeId }))).code).toBe('SERVICE_UNAVAILABLE');
    expect(await row()).toEqual([before]);
    const unsent = codeFromText(t.twilio.attempts.filter((a) => a.to === phone)[1]!);

    t.twilio.succeed();
    const { resendOtp } = await client.request(ResendOtpDocument, { challengeId: requestOtp.challengeId });
    expect(resendOtp.challengeId).toBe(requestOtp.challengeId);
    const fresh = codeFromText(t.twilio.textsTo(phone)[1]!);
    for (const stale of new Set([earlier, unsent].filter((c) => c !== fresh))) {
      const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: stale } }));
      expect(err.code).toBe('INVALID_OTP');
    }
    await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: fresh } });
  });

  test('Twilio refusing the number itself (400, code 21614 "not a mobile number") is BAD_USER_INPUT, nothing kept', async () => {
    const phone = uniquePhone();
    t.twilio.failWith(400, 21614, `The 'To' number ${phone} is not a valid mobile number.`);
    const client = t.client();
    const err = await client.error(client.request(RequestOtpDocument, { input: { phone } }));
    expect(err).toMatchObject({ code: 'BAD_USER_INPUT', extensions: expect.objectContaining({ field: 'phone' }) });
    expect(await challengesTo(phone)).toBe(0);
    expect(await usersWithPhone(phone)).toBe(0);
  });

  test('any other Twilio 4xx (e.g. 401 bad credentials) is SERVICE_UNAVAILABLE: a configuration fault, not the user input', async () => {
    const phone = uniquePhone();
    t.twilio.failWith(401, 20003, 'Authenticate');
    const client = t.client();
    expect((await client.error(client.request(RequestOtpDocument, { input: { phone } }))).code).toBe('SERVICE_UNAVAILABLE');
    expect(await challengesTo(phone)).toBe(0);
  });
});

describe('Twilio unreachable (connection refused)', () => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    t = await startTestApp({ env: { TWILIO_API_BASE_URL: `http://127.0.0.1:${closedPort}`, LOG_LEVEL: 'trace' }, overrides: { logDestination: destination } });
  });
  afterAll(() => t.close());

  test('SERVICE_UNAVAILABLE, nothing kept, and the logged cause holds neither the code nor the Twilio credentials', async () => {
    const phone = uniquePhone();
    const client = t.client();
    const err = await client.error(client.request(RequestOtpDocument, { input: { phone } }));
    expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: expect.objectContaining({ dependency: 'twilio' }) });
    expect(Number((await t.app.dataSource.query(`SELECT count(*) AS n FROM ${t.table('otp_challenges')} WHERE consumed_at IS NULL`))[0].n)).toBe(0);

    const log = lines.join('');
    expect(log).toMatch(/ECONNREFUSED/); // the cause is logged…
    expect(log).not.toContain(TWILIO_TOKEN); // …without the request it belonged to
    expect(log).not.toContain(Buffer.from(`${TWILIO_SID}:${TWILIO_TOKEN}`).toString('base64'));
    expect(log).not.toMatch(/is\+your|is your Warden code|Body=/);
  });
});
