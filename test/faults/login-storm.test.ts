import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';
import { LoginDocument, ViewerBasicDocument } from '../graphql/generated/graphql';

/**
 * One hashing thread, room for two more in its queue, and a real bcrypt cost: a burst of logins fills the
 * pool; the rest are refused at once instead of queueing, and the event loop keeps serving everyone else.
 */
describe('a login storm: bounded hash queue, event loop stays free', () => {
  let t: TestApp;
  let email: string;
  let accessToken: string;
  beforeAll(async () => {
    // One email is hammered: lift the lockout and the send budget, which would otherwise answer first.
    t = await startTestApp({
      env: {
        BCRYPT_COST: '10',
        PASSWORD_HASH_THREADS: '1',
        PASSWORD_HASH_MAX_QUEUE: '2',
        LOGIN_LOCKOUT_THRESHOLD: '100000',
        RATE_LIMIT_SENDS_PER_HOUR: '100000',
      },
    });
    email = uniqueEmail('storm');
    accessToken = (await signUpAndVerify(t, t.client(), email)).accessToken;
  });
  afterAll(() => t.close());

  const inFlight = async () => Number(/^warden_password_hashes_in_flight (\d+)/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1]);

  test('beyond the queue, logins get SERVICE_UNAVAILABLE with retryAfter; nothing is written for them; viewer answers meanwhile', async () => {
    const mailsBefore = t.inbox.mailsTo(email).length;
    let settled = 0;
    const storm = Array.from({ length: 12 }, () =>
      t
        .client()
        .request(LoginDocument, { input: { email, password: PASSWORD } })
        .then(
          () => 'OK',
          (error: { info: { code: string; extensions: Record<string, unknown> } }) => error.info,
        )
        .finally(() => (settled += 1)),
    );
    // While the pool is busy: a page load needs no hash and must not wait for the storm.
    const viewerClient = t.client();
    viewerClient.accessToken = accessToken;
    const { viewer } = await viewerClient.query(ViewerBasicDocument);
    expect(viewer?.email).toBe(email);
    expect(settled).toBeLessThan(12);

    const outcomes = await Promise.all(storm);
    const ok = outcomes.filter((o) => o === 'OK').length;
    const refused = outcomes.filter((o): o is { code: string; extensions: Record<string, unknown> } => o !== 'OK');
    expect(ok).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) {
      expect(r.code).toBe('SERVICE_UNAVAILABLE');
      expect(r.extensions.retryAfter).toBe(1);
    }

    // Exactly one code mailed and one LOGIN challenge stored per accepted login; none for the refused.
    await t.inbox.waitForMail(email, mailsBefore + ok);
    await new Promise((r) => setTimeout(r, 200));
    expect(t.inbox.mailsTo(email).length).toBe(mailsBefore + ok);
    const rows = await t.app.dataSource.query(
      `SELECT count(*)::int AS n FROM ${t.table('otp_challenges')} c JOIN ${t.table('users')} u ON u.id = c.user_id WHERE u.email = $1 AND c.purpose = 'LOGIN'`,
      [email],
    );
    expect(rows[0].n).toBe(ok);
  });

  test('after the storm the pool is empty again and logins work', async () => {
    expect(await inFlight()).toBe(0);
    const { login } = await t.client().request(LoginDocument, { input: { email, password: PASSWORD } });
    expect(login.challengeId).toBeTruthy();
  });

  test('a wrong password in a storm is still INVALID_CREDENTIALS when it gets a worker', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, () =>
        t
          .client()
          .request(LoginDocument, { input: { email, password: 'not the password at all' } })
          .then(
            () => 'OK',
            (error: { info: { code: string } }) => error.info.code,
          ),
      ),
    );
    expect(outcomes).not.toContain('OK');
    expect(outcomes).toContain('INVALID_CREDENTIALS');
    for (const code of outcomes) expect(['INVALID_CREDENTIALS', 'SERVICE_UNAVAILABLE']).toContain(code);
  });
});
