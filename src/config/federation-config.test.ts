import { ConfigError, loadConfig, startupWarnings } from './config';

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
  METRICS_TOKEN: 'm'.repeat(20),
  SMS_ALLOWED_COUNTRIES: 'US',
  // CAPTCHA_PROVIDER=none is warned about in production (issue 29): a complete environment picks one.
  CAPTCHA_PROVIDER: 'altcha',
};

describe('FEDERATION_ENABLED and FEDERATION_ROUTER_SECRET', () => {
  test('off by default; on with true', () => {
    expect(loadConfig({})).toMatchObject({ federationEnabled: false, federationRouterSecret: null });
    expect(loadConfig({ FEDERATION_ENABLED: 'true', FEDERATION_ROUTER_SECRET: 's'.repeat(16) })).toMatchObject({
      federationEnabled: true,
      federationRouterSecret: 's'.repeat(16),
    });
  });

  test('a typo or a short secret is refused at start', () => {
    expect(() => loadConfig({ FEDERATION_ENABLED: 'yes' })).toThrow(/FEDERATION_ENABLED must be true or false/);
    expect(() => loadConfig({ FEDERATION_ROUTER_SECRET: 'short' })).toThrow(/FEDERATION_ROUTER_SECRET must be at least 16 characters/);
  });

  test('F15: production refuses FEDERATION_ENABLED=true without FEDERATION_ROUTER_SECRET (a config error, not a warning)', () => {
    expect(() => loadConfig({ ...production, FEDERATION_ENABLED: 'true' })).toThrow(
      new ConfigError('FEDERATION_ROUTER_SECRET: required when NODE_ENV=production and FEDERATION_ENABLED=true'),
    );
    const closed = startupWarnings(loadConfig({ ...production, FEDERATION_ENABLED: 'true', FEDERATION_ROUTER_SECRET: 'r'.repeat(32) }));
    // No warning about federation (ADMIN_EMAILS left empty warns on its own: not this test's subject).
    expect(closed.filter((w) => /FEDERATION/.test(w))).toEqual([]);
    // Outside production the subgraph still starts without it (development, tests).
    expect(loadConfig({ FEDERATION_ENABLED: 'true' })).toMatchObject({ federationEnabled: true, federationRouterSecret: null });
  });
});
