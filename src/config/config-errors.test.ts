import { generateKeyPairSync } from 'node:crypto';
import { ConfigError, loadConfig } from './config';

/** The ConfigError loadConfig throws for `env` (the test fails if it does not throw one). */
function problems(env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('configuration errors are collected and reported together (issue 24)', () => {
  test('production with nothing set names every required variable in one ConfigError, one line each', () => {
    const lines = problems({ NODE_ENV: 'production' });
    const named = lines.map((line) => line.slice(0, line.indexOf(':')));
    expect(named).toEqual(['DATABASE_URL', 'REDIS_URL', 'JWT_PRIVATE_KEY', 'WARDEN_SECRET', 'SMTP_URL', 'MAIL_FROM', 'PUBLIC_URL', 'APP_URL']);
    for (const line of lines) expect(line).toMatch(/^[A-Z_]+: required when NODE_ENV=production/);
  });

  test('every bad variable is named, whatever its kind (core, limit, cross-limit rule, list, key, provider)', () => {
    const lines = problems({
      PORT: 'eighty',
      WARDEN_SECRET: 'short',
      OTP_TTL_SECONDS: '5',
      BCRYPT_COST: '30',
      PASSWORD_MIN_LENGTH: '40',
      PASSWORD_MAX_LENGTH: '32',
      TWILIO_ACCOUNT_SID: 'AC1',
      SMS_ALLOWED_COUNTRIES: 'GB,UK',
      CORS_ORIGINS: 'ftp://files.example.com',
      JWT_PRIVATE_KEY: 'hello',
      OAUTH_GOOGLE_CLIENT_ID: 'id-only',
    });
    expect(lines.map((line) => line.slice(0, line.indexOf(':'))).sort()).toEqual(
      [
        'PORT',
        'WARDEN_SECRET',
        'OTP_TTL_SECONDS',
        'BCRYPT_COST',
        'PASSWORD_MIN_LENGTH',
        'TWILIO_AUTH_TOKEN',
        'TWILIO_FROM',
        'SMS_ALLOWED_COUNTRIES',
        'CORS_ORIGINS',
        'JWT_PRIVATE_KEY',
        'OAUTH_GOOGLE_CLIENT_SECRET',
      ].sort(),
    );
  });

  test.each([
    ['RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, /RSA|rsa/],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey, /secp384r1|P-384/],
  ])('an unsupported JWT_PRIVATE_KEY (%s, PEM or JWK) is named with the other problems, before any start step', (_name, make, detail) => {
    const key = make();
    for (const material of [key.export({ type: 'pkcs8', format: 'pem' }).toString(), JSON.stringify(key.export({ format: 'jwk' }))]) {
      const lines = problems({ PORT: 'eighty', JWT_PRIVATE_KEY: material });
      expect(lines.map((line) => line.slice(0, line.indexOf(':'))).sort()).toEqual(['JWT_PRIVATE_KEY', 'PORT']);
      const line = lines.find((l) => l.startsWith('JWT_PRIVATE_KEY:'))!;
      expect(line).toMatch(/Ed25519 or P-256/);
      expect(line).toMatch(detail);
      expect(line).not.toContain('PRIVATE KEY-----');
    }
  });

  test('a second, unsupported key among supported ones is named too', () => {
    const good = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bad = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(problems({ JWT_PRIVATE_KEY: good + bad })).toEqual([expect.stringMatching(/^JWT_PRIVATE_KEY: key 2 .*Ed25519 or P-256/)]);
  });

  test('the message is the problems, one per line', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'eighty', BCRYPT_COST: '30' });
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error.message.split('\n')).toEqual(error.problems);
    expect(error.problems).toHaveLength(2);
  });

  test('a variable given but refused is named once, by what is wrong with it, not also as missing', () => {
    const lines = problems({ NODE_ENV: 'production', DATABASE_URL: 'mysql://db/warden' });
    expect(lines.filter((line) => line.startsWith('DATABASE_URL:'))).toEqual(['DATABASE_URL: DATABASE_URL must start with postgres:// or postgresql://']);
  });
});
