import { ConfigError, isLoopbackUrl, loadConfig, startupWarnings } from './config';
import { limitBounds } from './limit-bounds';
import { defaultLimits, limitEnvNames, type Limits } from './limits';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db.internal/warden',
  REDIS_URL: 'redis://cache.internal',
  JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAfhX7W2cVYrVqK5GjJ1yWm1Dq7gYq5pY2bF3n3v6c0K\n-----END PRIVATE KEY-----',
  WARDEN_SECRET: 'x'.repeat(40),
  SMTP_URL: 'smtp://mail.internal:25',
  MAIL_FROM: 'Example <no-reply@example.com>',
  PUBLIC_URL: 'https://auth.example.com',
  APP_URL: 'https://app.example.com',
};

describe('TRANSACTION_GUARD', () => {
  test('off by default in production, on by default elsewhere; either way when set', () => {
    expect(loadConfig(production).transactionGuard).toBe(false);
    expect(loadConfig({ ...production, TRANSACTION_GUARD: 'true' }).transactionGuard).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).transactionGuard).toBe(true);
    expect(loadConfig({ NODE_ENV: 'test', TRANSACTION_GUARD: 'false' }).transactionGuard).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'test', TRANSACTION_GUARD: 'yes' })).toThrow(/TRANSACTION_GUARD must be true or false/);
  });
});

describe('production configuration cannot point at localhost', () => {
  test('a complete production environment loads', () => {
    expect(loadConfig(production)).toMatchObject({ isProduction: true, publicUrl: 'https://auth.example.com', allowLoopbackUrls: false });
  });

  test.each(['PUBLIC_URL', 'APP_URL'])('%s is required in production', (name) => {
    const env: Record<string, string> = { ...production };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}: required when NODE_ENV=production`));
  });

  test.each([
    ['PUBLIC_URL', 'http://localhost:4000'],
    ['PUBLIC_URL', 'http://127.0.0.1:4000'],
    ['PUBLIC_URL', 'http://127.8.9.10'],
    ['APP_URL', 'http://[::1]:3000'],
    ['APP_URL', 'https://app.localhost'],
    ['APP_URL', 'http://LOCALHOST.:3000'],
  ])('%s=%s is refused in production, accepted with ALLOW_LOOPBACK_URLS=true (with a warning)', (name, value) => {
    const env = { ...production, [name]: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^${name}: .*loopback`));
    const allowed = loadConfig({ ...env, ALLOW_LOOPBACK_URLS: 'true' });
    expect(startupWarnings(allowed).some((line) => line.startsWith('ALLOW_LOOPBACK_URLS=true'))).toBe(true);
  });

  test('loopback URLs stay fine outside production', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'http://localhost:4000', APP_URL: 'http://127.0.0.1:3000' })).not.toThrow();
  });

  test('isLoopbackUrl: only this machine', () => {
    for (const url of ['http://localhost', 'http://a.b.localhost:1', 'http://127.0.0.1', 'http://[::1]', 'http://[::ffff:127.0.0.1]'])
      expect(isLoopbackUrl(url)).toBe(true);
    for (const url of ['https://auth.example.com', 'http://10.0.0.1', 'http://[::2]', 'http://localhost.example.com', 'http://128.0.0.1'])
      expect(isLoopbackUrl(url)).toBe(false);
  });

  test('production without METRICS_TOKEN or METRICS_PORT warns that /metrics is not served', () => {
    expect(startupWarnings(loadConfig(production))).toContain('METRICS_TOKEN and METRICS_PORT not set: /metrics is not served (404)');
    expect(startupWarnings(loadConfig({ ...production, METRICS_PORT: '9464' })).join('\n')).not.toMatch(/METRICS/);
    expect(() => loadConfig({ ...production, METRICS_PORT: '70000' })).toThrow(/^METRICS_PORT:/);
  });
});

describe('limits: a minimum and a maximum each, and rules between them', () => {
  test('every limit has bounds that contain its default', () => {
    for (const key of Object.keys(defaultLimits) as (keyof Limits)[]) {
      const [min, max] = limitBounds[key];
      expect({ key, inRange: defaultLimits[key] >= min && defaultLimits[key] <= max }).toEqual({ key, inRange: true });
    }
  });

  test.each(Object.keys(limitEnvNames) as (keyof Limits)[])('%s: below its minimum and above its maximum are refused naming the variable', (key) => {
    const name = limitEnvNames[key];
    const [min, max] = limitBounds[key];
    if (min > 0) expect(() => loadConfig({ [name]: String(min - 1) })).toThrow(new ConfigError(`${name}: must be at least ${min}`));
    expect(() => loadConfig({ [name]: String(max + 1) })).toThrow(new ConfigError(`${name}: must be at most ${max}`));
    expect(() => loadConfig({ [name]: '1.5' })).toThrow(new RegExp(`^${name}: must be a whole number`));
  });

  test('a limit of 0 is refused with one line naming it', () => {
    expect(() => loadConfig({ SMS_DAILY_CAP_PER_PHONE: '0' })).toThrow(new ConfigError('SMS_DAILY_CAP_PER_PHONE: must be at least 1'));
    expect(() => loadConfig({ RATE_LIMIT_IP_PER_MINUTE: '0' })).toThrow(new ConfigError('RATE_LIMIT_IP_PER_MINUTE: must be at least 1'));
  });

  test('PASSWORD_MIN_LENGTH above PASSWORD_MAX_LENGTH is refused', () => {
    expect(() => loadConfig({ PASSWORD_MIN_LENGTH: '40', PASSWORD_MAX_LENGTH: '32' })).toThrow(
      new ConfigError('PASSWORD_MIN_LENGTH: must not be above PASSWORD_MAX_LENGTH'),
    );
  });

  test('WEBHOOK_ALLOW_PRIVATE_NETWORKS=true warns at start in production; its schedule and flag are parsed and bounded', () => {
    expect(startupWarnings(loadConfig(production)).join('\n')).not.toMatch(/WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    expect(
      startupWarnings(loadConfig({ ...production, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' })).some((l) => l.startsWith('WEBHOOK_ALLOW_PRIVATE_NETWORKS=true')),
    ).toBe(true);
    expect(loadConfig(production).settings.webhookRetryScheduleSeconds).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
    expect(loadConfig({ ...production, WEBHOOK_RETRY_SCHEDULE_SECONDS: '0, 10' }).settings.webhookRetryScheduleSeconds).toEqual([0, 10]);
    for (const bad of ['', '86401', '1,,2', '-1', Array(21).fill('1').join(',')]) {
      expect(() => loadConfig({ ...production, WEBHOOK_RETRY_SCHEDULE_SECONDS: bad || ' , ' })).toThrow(/WEBHOOK_RETRY_SCHEDULE_SECONDS:/);
    }
    expect(() => loadConfig({ ...production, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes' })).toThrow(/WEBHOOK_ALLOW_PRIVATE_NETWORKS:/);
  });
});
