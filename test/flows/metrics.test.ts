import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { delta, MetricsScrape } from '../support/metrics';
import { codeFrom } from '../support/smtp-inbox';
import { LoginDocument, RefreshSessionDocument, RequestOtpDocument, ResendOtpDocument, VerifyOtpDocument } from '../graphql/generated/graphql';

const clock = new TestClock();

describe('/metrics: Prometheus counters move with what the gateway did', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now } });
  });
  afterAll(() => t.close());

  const scrape = () => MetricsScrape.of(t.url);

  test('a password login moves sign-ins, codes sent by channel, and the per-operation request counter and latency histogram', async () => {
    const client = t.client();
    const email = uniqueEmail('metrics');
    await signUpAndVerify(t, client, email);
    const before = await scrape();

    await logIn(t, client, email);

    const after = await scrape();
    expect(delta(before, after, 'warden_logins_total', { method: 'otp_email', outcome: 'success' })).toBe(1);
    expect(delta(before, after, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'LOGIN' })).toBe(1);
    expect(delta(before, after, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'SIGNUP' })).toBe(0);
    expect(delta(before, after, 'warden_graphql_requests_total', { operation: 'Login', outcome: 'ok' })).toBe(1);
    expect(delta(before, after, 'warden_graphql_requests_total', { operation: 'VerifyOtp', outcome: 'ok' })).toBe(1);
    expect(delta(before, after, 'warden_graphql_request_duration_seconds_count', { operation: 'Login' })).toBe(1);
    expect(delta(before, after, 'warden_graphql_request_duration_seconds_bucket', { operation: 'Login', le: '+Inf' })).toBe(1);
    expect(after.value('warden_graphql_request_duration_seconds_sum', { operation: 'Login' })).toBeGreaterThan(
      before.value('warden_graphql_request_duration_seconds_sum', { operation: 'Login' }),
    );
    expect(delta(before, after, 'warden_auth_events_total', { event: 'session.created', outcome: 'success' })).toBe(1);
    // Process metrics from prom-client's defaults are there too.
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
  });

  test('a wrong password counts as a failed sign-in and as an INVALID_CREDENTIALS error of Login', async () => {
    const client = t.client();
    const email = uniqueEmail('wrongpw');
    await signUpAndVerify(t, client, email);
    const before = await scrape();
    const err = await client.error(client.request(LoginDocument, { input: { email, password: 'not the password at all' } }));
    expect(err.code).toBe('INVALID_CREDENTIALS');
    const after = await scrape();
    expect(delta(before, after, 'warden_logins_total', { method: 'password', outcome: 'failure' })).toBe(1);
    expect(delta(before, after, 'warden_graphql_errors_total', { operation: 'Login', code: 'INVALID_CREDENTIALS' })).toBe(1);
    expect(delta(before, after, 'warden_graphql_requests_total', { operation: 'Login', outcome: 'error' })).toBe(1);
    expect(delta(before, after, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'LOGIN' })).toBe(0);
  });

  test('a wrong code counts as a failed code; an early resend as a rate-limit hit', async () => {
    const client = t.client();
    const email = uniqueEmail('wrongcode');
    await signUpAndVerify(t, client, email);
    const { login } = await client.request(LoginDocument, { input: { email, password: PASSWORD } });
    const mail = await t.inbox.waitForMail(email, 2);
    const wrong = codeFrom(mail) === '000000' ? '111111' : '000000';
    const before = await scrape();

    const bad = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: wrong } }));
    expect(bad.code).toBe('INVALID_OTP');
    const limited = await client.error(client.request(ResendOtpDocument, { challengeId: login.challengeId }));
    expect(limited.code).toBe('RATE_LIMITED');

    const after = await scrape();
    expect(delta(before, after, 'warden_codes_failed_total', { channel: 'EMAIL', purpose: 'LOGIN' })).toBe(1);
    expect(delta(before, after, 'warden_rate_limit_hits_total', { operation: 'ResendOtp' })).toBe(1);
    expect(delta(before, after, 'warden_graphql_errors_total', { operation: 'ResendOtp', code: 'RATE_LIMITED' })).toBe(1);
    expect(delta(before, after, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'LOGIN' })).toBe(0);
  });

  test('an SMS code counts under channel SMS; a decoy for an unknown email is not a code sent', async () => {
    const client = t.client();
    const before = await scrape();
    await client.request(RequestOtpDocument, { input: { phone: '+447911123456' } });
    await client.request(RequestOtpDocument, { input: { email: uniqueEmail('nobody') } });
    const after = await scrape();
    expect(t.twilio.texts.some((text) => text.to === '+447911123456')).toBe(true);
    expect(delta(before, after, 'warden_codes_sent_total', { channel: 'SMS', purpose: 'LOGIN' })).toBe(1);
    expect(delta(before, after, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'LOGIN' })).toBe(0);
  });

  test('a send that failed (SMTP refusing) rolled back, so it counts as no code sent and no otp.sent event', async () => {
    const client = t.client();
    const email = uniqueEmail('smtpdown');
    await signUpAndVerify(t, client, email);
    const before = await scrape();
    t.inbox.refuse(421, 'Service not available');
    try {
      const err = await client.error(client.request(RequestOtpDocument, { input: { email } }));
      expect(err.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      t.inbox.accept();
    }
    const after = await scrape();
    expect(delta(before, after, 'warden_codes_sent_total', { channel: 'EMAIL', purpose: 'LOGIN' })).toBe(0);
    expect(delta(before, after, 'warden_auth_events_total', { event: 'otp.sent', outcome: 'success' })).toBe(0);
    expect(delta(before, after, 'warden_graphql_errors_total', { operation: 'RequestOtp', code: 'SERVICE_UNAVAILABLE' })).toBe(1);
  });

  test('a rotated refresh token presented after the reuse interval counts as refresh reuse detected', async () => {
    const client = t.client();
    const first = await signUpAndVerify(t, client);
    await client.request(RefreshSessionDocument, { refreshToken: first.refreshToken });
    const before = await scrape();
    expect(before.text).toMatch(/^warden_refresh_reuse_detected_total \d+$/m);
    clock.advance(t.app.config.limits.refreshReuseIntervalSeconds + 1);
    const err = await client.error(client.request(RefreshSessionDocument, { refreshToken: first.refreshToken }));
    expect(err.code).toBe('INVALID_TOKEN');
    const after = await scrape();
    expect(delta(before, after, 'warden_refresh_reuse_detected_total')).toBe(1);
    expect(delta(before, after, 'warden_auth_events_total', { event: 'session.reuse_detected', outcome: 'failure' })).toBe(1);
  });

  test('client-chosen operation names cannot grow the label set without bound', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `query Weird${i} { viewer { id } }` }),
      });
      expect(response.status).toBe(200);
    }
    const bad = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(bad.status).toBe(200);
    const after = await scrape();
    expect(after.value('warden_graphql_requests_total', { operation: 'Weird2', outcome: 'ok' })).toBe(1);
    expect(after.value('warden_graphql_requests_total', { operation: 'anonymous_query', outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });
});

describe('/metrics with METRICS_TOKEN', () => {
  let t: TestApp;
  const token = 'metrics-token-for-the-scraper-0123456789';
  beforeAll(async () => {
    t = await startTestApp({ env: { METRICS_TOKEN: token } });
  });
  afterAll(() => t.close());

  test('answers 401 without the bearer token, or with a wrong one', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    const wrong = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect(await wrong.text()).not.toContain('warden_');
  });

  test('answers the scrape with the bearer token', async () => {
    const scrape = await MetricsScrape.of(t.url, { authorization: `Bearer ${token}` });
    expect(scrape.text).toContain('# TYPE warden_graphql_requests_total counter');
    expect(scrape.has('warden_refresh_reuse_detected_total')).toBe(true);
  });
});
