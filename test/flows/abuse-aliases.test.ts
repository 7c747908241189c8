import { shippedIpLimits, startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { aliased, codesOf, countRows, errorsOf, signUpVerified } from '../support/attack';
import { codeFrom } from '../support/smtp-inbox';
import { RequestOtpDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

/** One requestOtp for a signed-up account; returns its challenge and the mailed code. */
async function challengeFor(t: TestApp, email: string) {
  await signUpVerified(t, email, 'correct horse battery staple');
  const client = t.client();
  const { requestOtp } = await client.request(RequestOtpDocument, { input: { email } });
  const code = codeFrom(await t.inbox.waitForMail(email, 2));
  const wrong = (i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');
  return { client, challengeId: requestOtp.challengeId, code, wrong };
}

const verifyField = (challengeId: string, code: string) => `verifyOtp(input: { challengeId: "${challengeId}", code: "${code}" }) { accessToken }`;

describe('aliases cannot multiply tries: every executed field is counted', () => {
  let t: TestApp;
  let open: TestApp;
  beforeAll(async () => {
    [t, open] = await Promise.all([
      startTestApp({ env: shippedIpLimits }),
      // Alias and token limits lifted far beyond the defaults, to show the per-field counting holds on its own.
      startTestApp({ env: { ...shippedIpLimits, GRAPHQL_MAX_ALIASES: '500', GRAPHQL_MAX_TOKENS: '100000', TRUST_PROXY: '1' } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([t?.close(), open?.close()]);
  });

  test('default limits: 100 aliased verifyOtp are refused before any runs; the code keeps its 5 tries', async () => {
    const { client, challengeId, code, wrong } = await challengeFor(t, 'alias-default@example.com');
    // 100 aliases do not even get past the token limit (1000)…
    const hundred = await rawPost(t.url, JSON.stringify({ query: aliased(100, (i) => verifyField(challengeId, wrong(i))) }));
    expect(hundred.status).toBe(400);
    expect(errorsOf(hundred.json)[0]).toMatchObject({ message: expect.stringMatching(/1000 tokens/), extensions: { code: 'GRAPHQL_PARSE_FAILED' } });
    // …and 11, small enough to parse, stop at the alias limit (10).
    const eleven = await rawPost(t.url, JSON.stringify({ query: aliased(11, (i) => verifyField(challengeId, wrong(i))) }));
    expect(eleven.status).toBe(400);
    expect(errorsOf(eleven.json)[0]).toMatchObject({
      message: expect.stringMatching(/Aliases limit of 10 exceeded, found 11/),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const first = await client.error(client.request(VerifyOtpDocument, { input: { challengeId, code: wrong(0) } }));
    expect(first).toMatchObject({ code: 'INVALID_OTP', extensions: { attemptsLeft: 4 } });
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId, code } });
    expect(verifyOtp.user.email).toBe('alias-default@example.com');
  });

  test('alias limit lifted: requests of 100 aliased verifyOtp spend exactly the 5 tries, then the code is locked', async () => {
    const { client, challengeId, code, wrong } = await challengeFor(open, 'alias-open@example.com');
    const seen: string[] = [];
    let successes = 0;
    for (let round = 0; round < 8; round++) {
      // The right code sits at alias 50 of every document: it must never be reached through the budget.
      const doc = aliased(100, (i) => verifyField(challengeId, i === 50 ? code : wrong(round * 100 + i)));
      const res = await rawPost(open.url, JSON.stringify({ query: doc }));
      expect(res.status).toBe(200);
      if (res.json.data) successes++;
      seen.push(...codesOf(res.json));
    }
    expect(successes).toBe(0);
    expect(seen.filter((c) => c === 'INVALID_OTP')).toHaveLength(5);
    expect(new Set(seen)).toEqual(new Set(['INVALID_OTP', 'OTP_EXPIRED']));
    expect(
      await countRows(
        open,
        `SELECT count(*) AS n FROM {audit_events} WHERE event = 'otp.failed' AND data->>'reason' = 'wrong_code' AND data->>'challengeId' = $1`,
        [challengeId],
      ),
    ).toBe(5);
    // Locked: even the right code, alone, no longer works.
    const locked = await client.error(client.request(VerifyOtpDocument, { input: { challengeId, code } }));
    expect(locked.code).toBe('OTP_EXPIRED');
  });

  test('alias limit lifted: 100 aliased requestOtp run exactly RATE_LIMIT_IP_PER_MINUTE (30) times, then RATE_LIMITED', async () => {
    const doc = aliased(100, (i) => `requestOtp(input: { email: "fanout${i}@example.com" }) { challengeId }`);
    const ip = { 'x-forwarded-for': '198.51.100.30' }; // a client of its own (TRUST_PROXY=1)
    const res = await rawPost(open.url, JSON.stringify({ query: doc }), ip);
    expect(res.status).toBe(200);
    const errors = errorsOf(res.json);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ path: ['a30'], extensions: { code: 'RATE_LIMITED' } });
    expect(errors[0]!.extensions!.retryAfter).toBeGreaterThan(0);
    expect(errors[0]!.extensions!.retryAfter).toBeLessThanOrEqual(60);
    expect(await countRows(open, `SELECT count(*) AS n FROM {otp_challenges} WHERE destination LIKE 'fanout%'`)).toBe(30);
    // The same IP's next request for that operation is refused too: the count carried over.
    const same = open.client(ip);
    expect((await same.error(same.request(RequestOtpDocument, { input: { email: 'fanout-next@example.com' } }))).code).toBe('RATE_LIMITED');
    // Another client is not affected.
    const other = open.client({ 'x-forwarded-for': '198.51.100.31' });
    expect((await other.request(RequestOtpDocument, { input: { email: 'fanout-next@example.com' } })).requestOtp.channel).toBe('EMAIL');
  });
});
