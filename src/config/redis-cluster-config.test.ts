import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, developmentWarnings, loadConfig } from './config';

const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db/warden',
  JWT_PRIVATE_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  WARDEN_SECRET: 'x'.repeat(32),
  SMTP_URL: 'smtp://mail:587',
  MAIL_FROM: 'Example <no-reply@example.com>',
  PUBLIC_URL: 'https://auth.example.com',
  APP_URL: 'https://app.example.com',
};

describe('scaling configuration', () => {
  test('REDIS_CLUSTER_NODES lists the seed nodes; REDIS_URL may then lend only credentials', () => {
    const config = loadConfig({ REDIS_CLUSTER_NODES: ' redis-a:7000, redis-b:7001,10.0.0.3:7002 ', REDIS_URL: 'rediss://:secret@ignored:1' });
    expect(config.redisClusterNodes).toEqual([
      { host: 'redis-a', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '10.0.0.3', port: 7002 },
    ]);
    expect(Object.isFrozen(config.redisClusterNodes)).toBe(true);
    expect(loadConfig({}).redisClusterNodes).toBeNull();
  });

  test('production accepts a cluster in place of REDIS_URL', () => {
    expect(() => loadConfig(production)).toThrow(/^REDIS_URL:/);
    expect(loadConfig({ ...production, REDIS_CLUSTER_NODES: 'redis-a:7000' }).isProduction).toBe(true);
  });

  test('a cluster without REDIS_URL is not announced as the in-process store', () => {
    expect(developmentWarnings(loadConfig({ REDIS_CLUSTER_NODES: 'a:1' })).join('\n')).not.toMatch(/REDIS_URL not set/);
  });

  test.each([
    [{ REDIS_CLUSTER_NODES: 'redis-a' }, /^REDIS_CLUSTER_NODES:/],
    [{ REDIS_CLUSTER_NODES: 'a:1,,b:2' }, /^REDIS_CLUSTER_NODES:/],
    [{ REDIS_CLUSTER_NODES: 'a:1', REDIS_KEY_PREFIX: 'app{1}:' }, /^REDIS_KEY_PREFIX:/],
    [{ PASSWORD_HASH_NICENESS: '20' }, /^PASSWORD_HASH_NICENESS:/],
    [{ REVOCATION_MAX_LAG_MS: '10' }, /^REVOCATION_MAX_LAG_MS:/],
    [{ VERIFIED_TOKEN_CACHE_MAX_ENTRIES: '-1' }, /^VERIFIED_TOKEN_CACHE_MAX_ENTRIES:/],
  ])('%j stops with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  test('hot-path limits have defaults and env overrides', () => {
    expect(loadConfig({}).limits).toMatchObject({
      passwordHashThreads: 0,
      passwordHashNiceness: 10,
      verifiedTokenCacheMaxEntries: 10_000,
      revocationMaxLagMs: 750,
    });
    expect(loadConfig({ PASSWORD_HASH_THREADS: '3', VERIFIED_TOKEN_CACHE_MAX_ENTRIES: '0' }).limits).toMatchObject({
      passwordHashThreads: 3,
      verifiedTokenCacheMaxEntries: 0,
    });
  });
});
