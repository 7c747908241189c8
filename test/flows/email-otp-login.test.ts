import { Client } from 'pg';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';
import { counterWritesDuring, opensTransaction, statementsDuring } from '../support/statements';
import { RefreshSessionDocument, RequestOtpDocument, ResendOtpDocument, SignupDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

describe('passwordless sign-in by email code: requestOtp(email) → mailed code → verifyOtp', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  test('a known email gets a LOGIN code and verifying it signs in to that account', async () => {
    const email = uniqueEmail('otp');
    const owner = await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email: ` ${email.toUpperCase()} ` } });
    expect(requestOtp).toMatchObject({ channel: 'EMAIL', purpose: 'LOGIN', destination: 'o***@e***.com' });
    const mail = await t.inbox.waitForMail(email, 2);
    expect(mail.text).toMatch(/Your sign-in code/);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(mail) } });
    expect(verifyOtp.user).toMatchObject({ id: owner.user.id, email, emailVerified: true });
  });

  test('a LOGIN code of a verified account signs in with one statement, no transaction: audit rows, a working token pair, the new-device notice', async () => {
    const email = uniqueEmail('fast');
    const owner = await signUpAndVerify(t, t.client(), email);
    // Another browser than the signup's: the sign-in listeners must still hear of this session (new-device notice).
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0';
    const device = t.client({ 'user-agent': firefox });
    const { requestOtp } = await device.request(RequestOtpDocument, { input: { email } });
    const code = codeFrom(await t.inbox.waitForMail(email, 2));
    const { result, statements } = await statementsDuring(() => device.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } }));
    expect(result.verifyOtp.user).toMatchObject({ id: owner.user.id, email, emailVerified: true });
    // The fast path: the challenge consumed and the session written by one statement, and no transaction at all.
    expect(statements.filter(opensTransaction)).toEqual([]);
    const signIns = statements.filter((s) => /INSERT INTO \S*"sessions"/.test(s));
    expect(signIns).toHaveLength(1);
    expect(signIns[0]).toMatch(/UPDATE \S*"otp_challenges" SET consumed_at/);

    const sessions = await t.app.dataSource.query(`SELECT id, amr, aal FROM ${t.table('sessions')} WHERE user_id = $1 AND user_agent = $2`, [
      owner.user.id,
      firefox,
    ]);
    expect(sessions).toEqual([{ id: expect.any(String), amr: ['otp', 'email'], aal: 'aal1' }]);
    const audit = await t.app.dataSource.query(
      `SELECT event, outcome, data FROM ${t.table('audit_events')} WHERE user_id = $1 AND event IN ('otp.verified', 'session.created') AND (data->>'challengeId' = $2 OR data->>'sessionId' = $3) ORDER BY event`,
      [owner.user.id, requestOtp.challengeId, sessions[0].id],
    );
    expect(audit).toEqual([
      { event: 'otp.verified', outcome: 'success', data: { challengeId: requestOtp.challengeId, channel: 'EMAIL', purpose: 'LOGIN' } },
      { event: 'session.created', outcome: 'success', data: { sessionId: sessions[0].id, method: 'otp_email', amr: ['otp', 'email'], aal: 'aal1' } },
    ]);
    const challenge = await t.app.dataSource.query(`SELECT consumed_at FROM ${t.table('otp_challenges')} WHERE id = $1`, [requestOtp.challengeId]);
    expect(challenge[0].consumed_at).toBeInstanceOf(Date);
    // The first refresh token was stored with the session: it rotates.
    const { refreshSession } = await device.request(RefreshSessionDocument, { refreshToken: result.verifyOtp.refreshToken });
    expect(refreshSession.user.id).toBe(owner.user.id);
    expect((await t.inbox.waitForSubject(email, /new sign-in/)).text).toContain('Firefox on Linux');
  });

  (process.env.REDIS_URL ? test : test.skip)(
    "verifyOtp counts in Redis with two writes: the per-IP limit, then the try and the destination's check together",
    async () => {
      const email = uniqueEmail('writes');
      await signUpAndVerify(t, t.client(), email);
      const client = t.client();
      const { requestOtp } = await client.request(RequestOtpDocument, { input: { email } });
      const code = codeFrom(await t.inbox.waitForMail(email, 2));
      const { result, writes } = await counterWritesDuring(() => client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } }));
      expect(result.verifyOtp.user.email).toBe(email);
      expect(writes).toBe(2);
    },
  );

  test('the connection dropping at the one statement answers SERVICE_UNAVAILABLE (postgres) and spends nothing: the same code signs in after', async () => {
    const email = uniqueEmail('drop');
    const owner = await signUpAndVerify(t, t.client(), email);
    const client = t.client();
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { email } });
    const code = codeFrom(await t.inbox.waitForMail(email, 2));
    const query = Client.prototype.query;
    // What pg reports when the server goes away mid-statement, for the one-statement sign-in only.
    const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (!text?.trimStart().startsWith('WITH u AS')) return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
      const error = new Error('Connection terminated unexpectedly');
      const callback = args.find((a): a is (e: Error) => void => typeof a === 'function');
      if (!callback) return Promise.reject(error) as never;
      process.nextTick(() => callback(error));
      return undefined as never;
    });
    try {
      const refused = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } }));
      expect({ code: refused.code, dependency: refused.extensions.dependency }).toEqual({ code: 'SERVICE_UNAVAILABLE', dependency: 'postgres' });
      expect(spy.mock.calls.some(([q]) => (q as { text?: string }).text?.trimStart().startsWith('WITH u AS'))).toBe(true);
    } finally {
      spy.mockRestore();
    }
    const challenge = await t.app.dataSource.query(`SELECT consumed_at FROM ${t.table('otp_challenges')} WHERE id = $1`, [requestOtp.challengeId]);
    expect(challenge[0].consumed_at).toBeNull();
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
    expect(verifyOtp.user.id).toBe(owner.user.id);
  });

  test('racing verifyOtp calls with one right LOGIN code: exactly one session, the others OTP_EXPIRED, and so is the code afterwards', async () => {
    const email = uniqueEmail('race');
    const owner = await signUpAndVerify(t, t.client(), email);
    const { requestOtp } = await t.client().request(RequestOtpDocument, { input: { email } });
    const input = { challengeId: requestOtp.challengeId, code: codeFrom(await t.inbox.waitForMail(email, 2)) };
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => t.client().request(VerifyOtpDocument, { input })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { info: { code: string } }).info.code).toBe('OTP_EXPIRED');
    const client = t.client();
    expect((await client.error(client.request(VerifyOtpDocument, { input }))).code).toBe('OTP_EXPIRED');
    const count = async (sql: string, params: unknown[]) => (await t.app.dataSource.query(sql, params))[0].n as number;
    // The signup's session and this one.
    expect(await count(`SELECT count(*)::int AS n FROM ${t.table('sessions')} WHERE user_id = $1`, [owner.user.id])).toBe(2);
    expect(
      await count(`SELECT count(*)::int AS n FROM ${t.table('audit_events')} WHERE event = 'otp.verified' AND data->>'challengeId' = $1`, [
        requestOtp.challengeId,
      ]),
    ).toBe(1);
  });

  test('a code to an unverified account verifies its email', async () => {
    const email = uniqueEmail('unverified');
    await t.client().request(SignupDocument, { input: { email, password: PASSWORD } });
    await t.inbox.waitForMail(email, 1);
    const { requestOtp } = await t.client().request(RequestOtpDocument, { input: { email } });
    const { verifyOtp } = await t
      .client()
      .request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFrom(await t.inbox.waitForMail(email, 2)) } });
    expect(verifyOtp.user).toMatchObject({ email, emailVerified: true });
  });

  test('an unknown email is answered like a known one, is mailed nothing, and no code opens its challenge', async () => {
    const known = uniqueEmail('known');
    await signUpAndVerify(t, t.client(), known);
    const unknown = uniqueEmail('unknown');
    const client = t.client();
    const { requestOtp: real } = await client.request(RequestOtpDocument, { input: { email: known } });
    const { requestOtp: decoy } = await client.request(RequestOtpDocument, { input: { email: unknown } });
    expect(Object.keys(decoy).sort()).toEqual(Object.keys(real).sort());
    expect(decoy).toMatchObject({ channel: 'EMAIL', purpose: 'LOGIN', destination: 'u***@e***.com' });
    expect(new Date(decoy.expiresAt).getTime() - new Date(real.expiresAt).getTime()).toBeLessThan(60_000);
    expect(new Date(decoy.resendAvailableAt).getTime() - new Date(decoy.expiresAt).getTime()).toBe(
      new Date(real.resendAvailableAt).getTime() - new Date(real.expiresAt).getTime(),
    );

    // The real code, tried on the decoy, fails exactly as a wrong code on a real challenge does.
    const realCode = codeFrom(await t.inbox.waitForMail(known, 2));
    const onDecoy = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: decoy.challengeId, code: realCode } }));
    const onReal = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: real.challengeId, code: wrong(realCode) } }));
    expect(onDecoy).toMatchObject({ code: 'INVALID_OTP', message: onReal.message, extensions: onReal.extensions });

    // Resending before the cooldown is refused alike too.
    const resendDecoy = await client.error(client.request(ResendOtpDocument, { challengeId: decoy.challengeId }));
    const resendReal = await client.error(client.request(ResendOtpDocument, { challengeId: real.challengeId }));
    expect([resendDecoy.code, resendReal.code]).toEqual(['RATE_LIMITED', 'RATE_LIMITED']);

    expect(t.inbox.mailsTo(unknown)).toHaveLength(0);
    const audit = await t.app.dataSource.query(
      `SELECT outcome, data FROM ${t.table('audit_events')} WHERE event = 'otp.requested' AND data->>'challengeId' = $1`,
      [decoy.challengeId],
    );
    expect(audit).toEqual([{ outcome: 'failure', data: { challengeId: decoy.challengeId, channel: 'EMAIL', purpose: 'LOGIN', reason: 'unknown_email' } }]);
  });

  test('a malformed email is BAD_USER_INPUT and nothing is sent', async () => {
    const client = t.client();
    const before = t.inbox.mails.length;
    for (const email of ['not-an-email', 'a@b', `${'x'.repeat(300)}@example.com`]) {
      const err = await client.error(client.request(RequestOtpDocument, { input: { email } }));
      expect(err).toMatchObject({ code: 'BAD_USER_INPUT', extensions: expect.objectContaining({ field: 'email' }) });
    }
    expect(t.inbox.mails).toHaveLength(before);
  });
});
