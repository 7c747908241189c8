import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, developmentWarnings, loadConfig } from './config';
import { defaultLimits, limitEnvNames } from './limits';

describe('abuse limits in config', () => {
  test('every limit has an environment variable, and the documented defaults hold', () => {
    expect(Object.keys(limitEnvNames).sort()).toEqual(Object.keys(defaultLimits).sort());
    const { limits } = loadConfig({});
    expect(limits).toMatchObject({
      rateLimitIpPerMinute: 30,
      rateLimitSendsPerHour: 5,
      loginLockoutThreshold: 10,
      loginLockoutSeconds: 900,
      loginLockoutMaxSeconds: 3600,
      graphqlMaxOperationsPerRequest: 1,
    });
  });

  test('limits are overridden by their variables', () => {
    const { limits } = loadConfig({ RATE_LIMIT_IP_PER_MINUTE: '7', SMS_DAILY_CAP_PER_PHONE: '2', GRAPHQL_MAX_DEPTH: '4' });
    expect(limits).toMatchObject({ rateLimitIpPerMinute: 7, smsDailyCapPerPhone: 2, graphqlMaxDepth: 4 });
  });

  test('a limit cannot be switched off with 0, nor the lockout ceiling set below its start', () => {
    expect(() => loadConfig({ RATE_LIMIT_SENDS_PER_HOUR: '0' })).toThrow(new ConfigError('RATE_LIMIT_SENDS_PER_HOUR: must be at least 1'));
    expect(() => loadConfig({ LOGIN_LOCKOUT_THRESHOLD: 'ten' })).toThrow(ConfigError);
    expect(() => loadConfig({ LOGIN_LOCKOUT_SECONDS: '600', LOGIN_LOCKOUT_MAX_SECONDS: '300' })).toThrow(/LOGIN_LOCKOUT_MAX_SECONDS/);
  });

  test('SMS_ALLOWED_COUNTRIES: ISO codes, case and spaces forgiven; unset means every country, with a warning', () => {
    expect(loadConfig({ SMS_ALLOWED_COUNTRIES: 'gb, IE ,fr,GB' }).smsAllowedCountries).toEqual(['GB', 'IE', 'FR']);
    expect(() => loadConfig({ SMS_ALLOWED_COUNTRIES: 'GB,UK' })).toThrow(/"UK"/);
    const open = loadConfig({});
    expect(open.smsAllowedCountries).toBeNull();
    expect(developmentWarnings(open).some((line) => line.startsWith('SMS_ALLOWED_COUNTRIES not set'))).toBe(true);
  });
});

test('the manual (docs/) lists every limit variable with its default', () => {
  const docs = path.resolve(__dirname, '..', '..', 'docs');
  const section = fs
    .readdirSync(docs)
    .filter((name) => name.endsWith('.md'))
    .map((name) => fs.readFileSync(path.join(docs, name), 'utf8'))
    .join('\n');
  const missing = (Object.keys(limitEnvNames) as (keyof typeof limitEnvNames)[])
    .filter((key) => !section.includes(`| \`${limitEnvNames[key]}\` | \`${defaultLimits[key]}\``))
    .map((key) => `${limitEnvNames[key]}=${defaultLimits[key]}`);
  expect(missing).toEqual([]);
  expect(section).toContain('| `SMS_ALLOWED_COUNTRIES` | every country |');
});
