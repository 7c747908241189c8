import { shippedIpLimits, startTestApp, type TestApp } from '../support/start-test-app';
import { codeFromText } from '../support/twilio-fake';
import { countRows } from '../support/attack';
import { RequestOtpDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

describe('SMS pumping: country allowlist, daily cap per phone, hourly cap per country calling code', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...shippedIpLimits,
        SMS_ALLOWED_COUNTRIES: 'GB,US',
        SMS_DAILY_CAP_PER_PHONE: '2',
        SMS_HOURLY_CAP_PER_COUNTRY_CODE: '3',
        RATE_LIMIT_SENDS_PER_HOUR: '10',
      },
    });
  });
  afterAll(() => t?.close());

  const request = (phone: string) => {
    const client = t.client();
    return client.request(RequestOtpDocument, { input: { phone } }).then(
      () => 'OK',
      (e) => e.info.code as string,
    );
  };

  test('texts go only to allowed countries; +1 Jamaica and +44 Guernsey are not the US or the UK', async () => {
    const client = t.client();
    for (const phone of ['+33612345678', '+18762345678', '+447911123456', '+80012345678']) {
      const error = await client.error(client.request(RequestOtpDocument, { input: { phone } }));
      expect(error).toMatchObject({ code: 'BAD_USER_INPUT', message: 'Text messages cannot be sent to this country.', extensions: { field: 'phone' } });
      expect(t.twilio.textsTo(phone)).toHaveLength(0);
    }
    // Nothing was kept for the refused numbers.
    expect(await countRows(t, `SELECT count(*) AS n FROM {otp_challenges} WHERE channel = 'SMS'`)).toBe(0);

    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone: '+12015550123' } });
    const code = codeFromText(t.twilio.textsTo('+12015550123')[0]!);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
    expect(verifyOtp.user).toMatchObject({ phone: '+12015550123', phoneVerified: true });
  });

  test('daily cap per phone (SMS_DAILY_CAP_PER_PHONE=2): the third text is RATE_LIMITED and not sent', async () => {
    expect([await request('+447400123456'), await request('+447400123456')]).toEqual(['OK', 'OK']);
    const client = t.client();
    const third = await client.error(client.request(RequestOtpDocument, { input: { phone: '+447400123456' } }));
    expect(third.code).toBe('RATE_LIMITED');
    expect(third.extensions.retryAfter).toBeGreaterThan(23 * 3600);
    expect(t.twilio.textsTo('+447400123456')).toHaveLength(2);
  });

  test('hourly cap per calling code (SMS_HOURLY_CAP_PER_COUNTRY_CODE=3): a 4th +44 number is refused, +1 still works', async () => {
    // The two texts above went to +44; one more +44 number fits, the next does not.
    expect(await request('+447400123457')).toBe('OK');
    expect(await request('+447400123458')).toBe('RATE_LIMITED');
    expect(t.twilio.textsTo('+447400123458')).toHaveLength(0);
    expect(await request('+12025550143')).toBe('OK');
    expect(t.twilio.textsTo('+12025550143')).toHaveLength(1);
  });
});
