import { shippedIpLimits, startTestApp, type TestApp } from '../support/start-test-app';
import { codeFromText } from '../support/twilio-fake';
import { uniquePhone } from '../support/phones';
import { RequestOtpDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

jest.setTimeout(60_000);

// Shipped per-IP limits (30 a minute), TRUST_PROXY=1 so four attackers are four clients; a small
// calling-code cap so that four addresses exhaust it quickly.
describe('SMS caps cannot be turned against a verified number', () => {
  let t: TestApp;
  const owner = uniquePhone();
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...shippedIpLimits,
        TRUST_PROXY: '1',
        SMS_ALLOWED_COUNTRIES: 'FR',
        SMS_DAILY_CAP_PER_PHONE: '3',
        SMS_HOURLY_CAP_PER_COUNTRY_CODE: '20',
        RATE_LIMIT_SENDS_PER_HOUR: '100',
      },
    });
  });
  afterAll(() => t?.close());

  const request = (phone: string, ip: string) =>
    t
      .client({ 'x-forwarded-for': ip })
      .request(RequestOtpDocument, { input: { phone } })
      .then(
        (r) => r.requestOtp.challengeId,
        (e) => e.info.code as string,
      );

  async function signIn(ip: string): Promise<void> {
    const client = t.client({ 'x-forwarded-for': ip });
    const before = t.twilio.textsTo(owner).length;
    const { requestOtp } = await client.request(RequestOtpDocument, { input: { phone: owner } });
    const texts = t.twilio.textsTo(owner);
    expect(texts).toHaveLength(before + 1);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code: codeFromText(texts.at(-1)!) } });
    expect(verifyOtp.user).toMatchObject({ phone: owner, phoneVerified: true });
  }

  test('four addresses hammering unverified +33 numbers shut them off, not the verified owner; hammering the owner number does not block the owner either', async () => {
    await signIn('203.0.113.1'); // the owner verifies once (sign-up by SMS)

    const attackers = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];
    const answers: string[] = [];
    for (let i = 0; i < 25; i++) {
      answers.push(await request(uniquePhone(), attackers[i % 4]!));
    }
    // The calling-code cap for unverified numbers (20, the owner's first text before it was verified included) is spent…
    expect(answers.slice(0, 19).filter((a) => /^[A-Z_]+$/.test(a))).toEqual([]);
    expect(answers.slice(19)).toEqual(Array(6).fill('RATE_LIMITED'));
    expect(await request(uniquePhone(), '198.51.100.9')).toBe('RATE_LIMITED');

    // …and the attackers hammer the owner's number past the daily per-number cap (3).
    for (let i = 0; i < 6; i++) expect(await request(owner, attackers[i % 4]!)).not.toMatch(/^[A-Z_]+$/);

    // The owner still signs in by SMS.
    await signIn('203.0.113.1');
  });
});
