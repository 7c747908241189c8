import { startTestApp, type TestApp } from '../support/start-test-app';
import { StallingSmtp } from '../support/stalling-smtp';
import { PASSWORD, signUpAndVerify, uniqueEmail } from '../support/flows';
import { LoginDocument, RefreshSessionDocument, ViewerBasicDocument } from '../graphql/generated/graphql';

/**
 * An SMTP relay that accepts connections and then says nothing for 20 s. Mail goes out after COMMIT, so the
 * logins waiting on it hold no database connection: with a pool of 3, sessions keep being refreshed and
 * viewer keeps answering. Each waiting login ends SERVICE_UNAVAILABLE after MAIL_SEND_TIMEOUT_MS, and the
 * LOGIN challenge written for it is spent: nothing usable is left behind.
 */
// Pool exhaustion needs a real pool: embedded PGlite serves every connection as one session (CI sets DATABASE_URL
// and fails on any skip, so this always runs there).
const describeRealPostgres = process.env.WARDEN_TEST_EMBEDDED_PG ? describe.skip : describe;

describeRealPostgres('SMTP stalling: no connection is held while mail waits, and nothing usable is left (requires real PostgreSQL)', () => {
  let t: TestApp;
  let smtp!: StallingSmtp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { DATABASE_POOL_SIZE: '3', MAIL_SEND_TIMEOUT_MS: '1500', DATABASE_STATEMENT_TIMEOUT_MS: '5000', DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '4000' },
      smtpFront: async (inbox) => {
        smtp = await StallingSmtp.start(inbox, 20_000);
        return smtp.url;
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  test('the pool sets statement_timeout and idle_in_transaction_session_timeout from the configuration', async () => {
    expect(await t.app.dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '5s' }]);
    expect(await t.app.dataSource.query('SHOW idle_in_transaction_session_timeout')).toEqual([{ idle_in_transaction_session_timeout: '4s' }]);
  });

  test('20 logins wait on a stalled relay while refreshSession and viewer answer; the logins fail SERVICE_UNAVAILABLE with their challenges spent', async () => {
    const emails = Array.from({ length: 20 }, (_, i) => uniqueEmail(`stall${i}`));
    for (const email of emails) await signUpAndVerify(t, t.client(), email);
    const device = t.client();
    const session = await signUpAndVerify(t, device, uniqueEmail('stallviewer'));

    smtp.stall();
    let settled = 0;
    const logins = emails.map((email) =>
      t
        .client()
        .error(t.client().request(LoginDocument, { input: { email, password: PASSWORD } }))
        .finally(() => (settled += 1)),
    );
    // Wait until mail is being attempted (the logins' challenges are written and committed by then).
    while (smtp.stalledConnections === 0) await new Promise((resolve) => setTimeout(resolve, 20));

    const { refreshSession } = await t.client().request(RefreshSessionDocument, { refreshToken: session.refreshToken });
    expect(refreshSession.user.id).toBe(session.user.id);
    device.accessToken = refreshSession.accessToken;
    const { viewer } = await device.query(ViewerBasicDocument);
    expect(viewer).toMatchObject({ id: session.user.id });
    // Both answered while every login was still waiting on the relay.
    expect(settled).toBe(0);

    const errors = await Promise.all(logins);
    for (const err of errors) expect(err).toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: expect.objectContaining({ dependency: 'smtp' }) });

    // A LOGIN challenge was written for each, and each is spent: no code was delivered and none could work.
    const rows: { consumed_at: Date | null }[] = await t.app.dataSource.query(
      `SELECT consumed_at FROM ${t.table('otp_challenges')} WHERE purpose = 'LOGIN' AND destination = ANY($1)`,
      [emails],
    );
    expect(rows).toHaveLength(20);
    expect(rows.filter((r) => r.consumed_at === null)).toHaveLength(0);
    smtp.flow();
  }, 90_000);
});
