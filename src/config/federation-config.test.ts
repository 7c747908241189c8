import { loadConfig, startupWarnings } from './config';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db.internal/warden',
  REDIS_URL: 'redis://cache.internal',
  JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIAfhX7W2cVYrVqK5GjJ1yWm1Dq7gYq5pY2bF3n3v6c0K\n-----END PRIVATE KEY-----',
  WARDEN_SECRET: 'x'.repeat(40),
  SMTP_URL: 'smtp://mail.internal:25',
  PUBLIC_URL: 'https://auth.example.com',
  APP_URL: 'https://app.example.com',
  METRICS_TOKEN: 'm'.repeat(20),
  SMS_ALLOWED_COUNTRIES: 'US',
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

  test('production warns when the subgraph answers _entities to anyone', () => {
    const open = startupWarnings(loadConfig({ ...production, FEDERATION_ENABLED: 'true' }));
    expect(open.some((line) => line.includes('FEDERATION_ROUTER_SECRET'))).toBe(true);
    const closed = startupWarnings(loadConfig({ ...production, FEDERATION_ENABLED: 'true', FEDERATION_ROUTER_SECRET: 'r'.repeat(32) }));
    expect(closed).toEqual([]);
  });
});
