import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import type { WardenClient } from '../support/graphql-client';
import { RequestPhoneChangeDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

/**
 * The security-review notices (F5) are sent after COMMIT. When SMTP refuses and Twilio answers 500 at that
 * moment, the change they tell of stands, the request answers as usual, and each failed delivery is audited.
 */
describe('F5 notices while SMTP refuses and Twilio answers 500: the phone change stands, each failure audited', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { RATE_LIMIT_SENDS_PER_HOUR: '100' } });
  });
  afterAll(() => t.close());
  afterEach(() => {
    t.inbox.accept();
    t.twilio.succeed();
  });

  const failures = async (userId: string, channel: string): Promise<number> =>
    (
      await t.app.dataSource.query(
        `SELECT id FROM ${t.table('audit_events')} WHERE event = 'delivery.failed' AND user_id = $1 AND data->>'flow' = 'phone_changed_notice' AND data->>'channel' = $2`,
        [userId, channel],
      )
    ).length;

  const waitFor = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const requestChange = async (client: WardenClient, phone: string) => {
    const before = t.twilio.textsTo(phone).length;
    const { requestPhoneChange } = await client.request(RequestPhoneChangeDocument, { input: { phone } });
    await waitFor(`a code to ${phone}`, async () => t.twilio.textsTo(phone).length > before);
    return { challengeId: requestPhoneChange.challengeId, code: codeFromText(t.twilio.textsTo(phone).at(-1)!) };
  };

  test('F5: a confirmed phone change whose mail and old-phone text both fail still stands; delivery.failed for EMAIL and SMS', async () => {
    const client = t.client();
    const { user } = await signUpAndVerify(t, client, uniqueEmail('noticesdown'));
    const first = uniquePhone();
    const one = await requestChange(client, first);
    await t.client().request(VerifyOtpDocument, { input: one });

    const second = uniquePhone();
    const two = await requestChange(client, second);
    t.inbox.refuse(550, 'Mailbox unavailable');
    t.twilio.failWith(500);
    const { verifyOtp } = await t.client().request(VerifyOtpDocument, { input: two });
    expect(verifyOtp.accessToken).toEqual(expect.any(String));

    await waitFor('the EMAIL and SMS delivery failures', async () => (await failures(user.id, 'EMAIL')) === 1 && (await failures(user.id, 'SMS')) === 1);
    const [row] = await t.app.dataSource.query(`SELECT phone, phone_verified FROM ${t.table('users')} WHERE id = $1`, [user.id]);
    expect(row).toEqual({ phone: second, phone_verified: true });
  });
});
