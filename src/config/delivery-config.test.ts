import { ConfigError, loadConfig } from './config';

describe('delivery configuration', () => {
  test('pool and mail timeouts: sane defaults, bounded', () => {
    const config = loadConfig({});
    expect(config.databaseStatementTimeoutMs).toBe(30_000);
    expect(config.databaseIdleInTransactionTimeoutMs).toBe(10_000);
    expect(config.mailSendTimeoutMs).toBe(10_000);
    expect(loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '5000' }).databaseStatementTimeoutMs).toBe(5000);
    expect(() => loadConfig({ DATABASE_STATEMENT_TIMEOUT_MS: '0' })).toThrow(/DATABASE_STATEMENT_TIMEOUT_MS/);
    expect(() => loadConfig({ DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: '999999999' })).toThrow(/DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS/);
    expect(() => loadConfig({ MAIL_SEND_TIMEOUT_MS: '10' })).toThrow(/MAIL_SEND_TIMEOUT_MS/);
  });

  test('magic links: 10 minutes by default and at most (ASVS 6.5.5)', () => {
    expect(loadConfig({}).limits.magicLinkTtlSeconds).toBe(600);
    expect(loadConfig({ MAGIC_LINK_TTL_SECONDS: '300' }).limits.magicLinkTtlSeconds).toBe(300);
    expect(() => loadConfig({ MAGIC_LINK_TTL_SECONDS: '601' })).toThrow(new ConfigError('MAGIC_LINK_TTL_SECONDS: must be at most 600'));
    expect(() => loadConfig({ MAGIC_LINK_TTL_SECONDS: '59' })).toThrow(/MAGIC_LINK_TTL_SECONDS: must be at least 60/);
  });
});
