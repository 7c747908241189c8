import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, developmentWarnings, loadConfig, splitPrivateKeys } from './config';

const pem = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('loadConfig', () => {
  test('empty environment: development defaults, each announced', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ nodeEnv: 'development', port: 4000, publicUrl: 'http://localhost:4000', appUrl: 'http://localhost:3000' });
    expect(config.redirectAllowlist).toEqual(['http://localhost:3000']);
    expect(config.limits).toMatchObject({ otpTtlSeconds: 600, otpMaxAttempts: 5, bcryptCost: 12, refreshReuseIntervalSeconds: 10 });
    expect(Object.isFrozen(config)).toBe(true);
    expect(developmentWarnings(config)).toHaveLength(7);
  });

  test('F16: CORS_ORIGINS is its own list (default APP_URL, not REDIRECT_ALLOWLIST), each an http(s) origin', () => {
    expect(loadConfig({ APP_URL: 'https://app.example.com', REDIRECT_ALLOWLIST: 'https://app.example.com,https://shop.example.com' }).corsOrigins).toEqual([
      'https://app.example.com',
    ]);
    expect(loadConfig({ CORS_ORIGINS: ' https://app.example.com/ , https://admin.example.com:8443 ' }).corsOrigins).toEqual([
      'https://app.example.com',
      'https://admin.example.com:8443',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(/^CORS_ORIGINS: "app.example.com" is not/);
    expect(() => loadConfig({ CORS_ORIGINS: 'ftp://files.example.com' })).toThrow(/^CORS_ORIGINS: .* is not an http\(s\) origin/);
  });

  test('F12: WARDEN_SECRET_PREVIOUS: at least 32 characters, only beside WARDEN_SECRET, never equal to it', () => {
    expect(loadConfig({ WARDEN_SECRET: 'n'.repeat(32), WARDEN_SECRET_PREVIOUS: 'o'.repeat(32) })).toMatchObject({
      secretKey: 'n'.repeat(32),
      previousSecretKey: 'o'.repeat(32),
    });
    expect(loadConfig({}).previousSecretKey).toBeNull();
    expect(() => loadConfig({ WARDEN_SECRET: 'n'.repeat(32), WARDEN_SECRET_PREVIOUS: 'short' })).toThrow(/^WARDEN_SECRET_PREVIOUS:/);
    expect(() => loadConfig({ WARDEN_SECRET_PREVIOUS: 'o'.repeat(32) })).toThrow(/^WARDEN_SECRET_PREVIOUS: set only beside WARDEN_SECRET/);
    expect(() => loadConfig({ WARDEN_SECRET: 'n'.repeat(32), WARDEN_SECRET_PREVIOUS: 'n'.repeat(32) })).toThrow(/^WARDEN_SECRET_PREVIOUS: is WARDEN_SECRET/);
  });

  test('METRICS_TOKEN: unset leaves /metrics open; a short one is refused', () => {
    expect(loadConfig({}).metricsToken).toBeNull();
    expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-scrape-token' }).metricsToken).toBe('a-long-enough-scrape-token');
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/^METRICS_TOKEN:/);
  });

  test('PUBLIC_URL defaults to the port; trailing slashes are dropped', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PUBLIC_URL: 'https://auth.example.com/' }).publicUrl).toBe('https://auth.example.com');
  });

  test.each([
    [{ PORT: 'eighty' }, /^PORT:/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL:/],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL:/],
    [{ APP_URL: 'not a url' }, /^APP_URL:/],
    [{ OTP_TTL_SECONDS: '-5' }, /^OTP_TTL_SECONDS:/],
    [{ BCRYPT_COST: '30' }, /^BCRYPT_COST:/],
    [{ TWILIO_ACCOUNT_SID: 'AC1' }, /^TWILIO_AUTH_TOKEN:/],
    [{ WARDEN_SECRET: 'short' }, /^WARDEN_SECRET:/],
    [{ NODE_ENV: 'staging' }, /^NODE_ENV:/],
  ])('%j stops with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('production refuses every embedded default: each one missing alone is the one line', () => {
    const full = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db/warden',
      REDIS_URL: 'redis://cache:6379',
      JWT_PRIVATE_KEY: pem(),
      WARDEN_SECRET: 'x'.repeat(32),
      SMTP_URL: 'smtp://mail:587',
      MAIL_FROM: 'Example <no-reply@example.com>',
      PUBLIC_URL: 'https://auth.example.com',
      APP_URL: 'https://app.example.com',
    };
    expect(loadConfig(full).isProduction).toBe(true);
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'JWT_PRIVATE_KEY', 'WARDEN_SECRET', 'SMTP_URL', 'MAIL_FROM']) {
      const env: Record<string, string | undefined> = { ...full, [name]: undefined };
      expect(() => loadConfig(env)).toThrow(new ConfigError(`${name}: required when NODE_ENV=production (no embedded default in production)`));
    }
  });

  test('limits can be overridden by their variables', () => {
    expect(loadConfig({ OTP_MAX_ATTEMPTS: '3', REFRESH_REUSE_INTERVAL: '2' }).limits).toMatchObject({ otpMaxAttempts: 3, refreshReuseIntervalSeconds: 2 });
  });
});

describe('splitPrivateKeys', () => {
  test('several PEM blocks (also with literal \\n), a JWK, an array and a JWK Set', () => {
    const a = pem();
    const b = pem();
    expect(splitPrivateKeys(a + b)).toHaveLength(2);
    expect(splitPrivateKeys(a.replace(/\n/g, '\\n'))).toHaveLength(1);
    expect(splitPrivateKeys('{"kty":"OKP"}')).toEqual(['{"kty":"OKP"}']);
    expect(splitPrivateKeys('[{"kty":"OKP"},{"kty":"EC"}]')).toHaveLength(2);
    expect(splitPrivateKeys('{"keys":[{"kty":"OKP"}]}')).toEqual(['{"kty":"OKP"}']);
    expect(() => splitPrivateKeys('hello')).toThrow(ConfigError);
  });
});

describe('maintenance (retention) settings', () => {
  test('defaults: on, hourly, batches of 1000; codes 24 h, rotated refresh tokens 7 days, sessions 30 days, audit 180 days, unverified accounts 7 days', () => {
    expect(loadConfig({}).maintenance).toEqual({
      enabled: true,
      intervalSeconds: 3600,
      batchSize: 1000,
      maxRowsPerRun: 100_000,
      codeRetentionHours: 24,
      rotatedRefreshTokenRetentionSeconds: 7 * 86_400,
      sessionRetentionDays: 30,
      auditRetentionDays: 180,
      unverifiedAccountTtlDays: 7,
    });
    expect(Object.isFrozen(loadConfig({}).maintenance)).toBe(true);
  });

  test('MAINTENANCE_ENABLED=false turns the runner off; anything but true/false is refused', () => {
    expect(loadConfig({ MAINTENANCE_ENABLED: 'false' }).maintenance.enabled).toBe(false);
    expect(() => loadConfig({ MAINTENANCE_ENABLED: 'no' })).toThrow(/^MAINTENANCE_ENABLED:/);
  });

  test.each([
    ['MAINTENANCE_INTERVAL_SECONDS', '59', '86401', '60', 'intervalSeconds'],
    ['MAINTENANCE_BATCH_SIZE', '9', '10001', '10', 'batchSize'],
    ['MAINTENANCE_MAX_ROWS_PER_RUN', '99', '10000001', '100', 'maxRowsPerRun'],
    ['CODE_RETENTION_HOURS', '0', '721', '1', 'codeRetentionHours'],
    ['REFRESH_ROTATED_RETENTION_SECONDS', '59', '7776001', '60', 'rotatedRefreshTokenRetentionSeconds'],
    ['SESSION_RETENTION_DAYS', '0', '3651', '1', 'sessionRetentionDays'],
    ['AUDIT_RETENTION_DAYS', '6', '3651', '7', 'auditRetentionDays'],
    ['UNVERIFIED_ACCOUNT_TTL_DAYS', '0', '366', '1', 'unverifiedAccountTtlDays'],
  ] as const)('%s: %s and %s are refused, the floor %s is taken', (name, below, above, floor, key) => {
    expect(() => loadConfig({ [name]: below })).toThrow(new RegExp(`^${name}:`));
    expect(() => loadConfig({ [name]: above })).toThrow(new RegExp(`^${name}:`));
    expect(() => loadConfig({ [name]: '1.5' })).toThrow(new RegExp(`^${name}:`));
    expect(loadConfig({ [name]: floor }).maintenance[key]).toBe(Number(floor));
  });
});
