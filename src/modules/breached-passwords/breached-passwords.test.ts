import { loadConfig } from '../../config/config';
import { settingTableOf } from '../../config/settings';
import { coreVariables, listVariables } from '../../config/variables';
import { parseRange, sha1Split } from './pwned-range-client';

describe('Pwned Passwords range helpers', () => {
  test('the SHA-1 of the UTF-8 password, upper-case hex, split 5 + 35', () => {
    // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8 (the range API's own example).
    expect(sha1Split('password')).toEqual({ prefix: '5BAA6', suffix: '1E4C9B93F3F0682250B6CF8331B7EE68FD8' });
    expect(sha1Split('pässword').prefix).toMatch(/^[0-9A-F]{5}$/);
    expect(sha1Split('pässword')).not.toEqual(sha1Split('pa\u0308ssword')); // nothing normalised: the bytes as given
  });

  test('a range answer: suffixes with a count above 0, CRLF or LF, padding (count 0) and junk ignored', () => {
    const a = '1E4C9B93F3F0682250B6CF8331B7EE68FD8';
    const padded = '0018A45C4D1DEF81644B54AB7F969B88D65';
    const body = [`${a}:9659365`, `${padded}:0`, 'not a line', `${'b'.repeat(35)}:3`, `${'C'.repeat(34)}:5`].join('\r\n');
    expect([...parseRange(body)].sort()).toEqual([a, 'B'.repeat(35)]);
    expect(parseRange('').size).toBe(0);
  });
});

describe('HIBP_* configuration', () => {
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

  const hibp = (env: Record<string, string>) => {
    const { hibpEnabled, hibpApiUrl, hibpFailureMode } = loadConfig(env).settings;
    return { hibpEnabled, hibpApiUrl, hibpFailureMode };
  };

  test('on by default in production only; the public API, open, 1500 ms by default', () => {
    expect(hibp(production)).toEqual({ hibpEnabled: true, hibpApiUrl: 'https://api.pwnedpasswords.com', hibpFailureMode: 'open' });
    expect(loadConfig(production).limits.hibpTimeoutMs).toBe(1500);
    expect(hibp({ ...production, HIBP_ENABLED: 'false' }).hibpEnabled).toBe(false);
    expect(hibp({ ...production, HIBP_ENABLED: ' ' }).hibpEnabled).toBe(true); // blank is unset
    expect(hibp({ NODE_ENV: 'development' })).toEqual({ hibpEnabled: false, hibpApiUrl: 'https://api.pwnedpasswords.com', hibpFailureMode: 'open' });
    expect(hibp({ NODE_ENV: 'test', HIBP_ENABLED: 'true', HIBP_FAILURE_MODE: 'closed', HIBP_API_URL: ' http://127.0.0.1:9 ' })).toEqual({
      hibpEnabled: true,
      hibpApiUrl: 'http://127.0.0.1:9',
      hibpFailureMode: 'closed',
    });
  });

  test('the three are breached-passwords settings, not core variables', () => {
    const rows = listVariables().filter((v) => ['HIBP_ENABLED', 'HIBP_API_URL', 'HIBP_FAILURE_MODE'].includes(v.env));
    expect(rows.map((v) => [v.env, v.module, v.default])).toEqual([
      ['HIBP_ENABLED', 'breached-passwords', null],
      ['HIBP_API_URL', 'breached-passwords', 'https://api.pwnedpasswords.com'],
      ['HIBP_FAILURE_MODE', 'breached-passwords', 'open'],
    ]);
    expect(
      settingTableOf()
        .filter((s) => s.module === 'breached-passwords')
        .map((s) => s.env),
    ).toEqual(['HIBP_ENABLED', 'HIBP_API_URL', 'HIBP_FAILURE_MODE']);
    expect(coreVariables.some((v) => v.env.startsWith('HIBP_'))).toBe(false);
  });

  test('bad values are refused at start, naming the variable, all at once', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', HIBP_ENABLED: 'yes' })).toThrow(/HIBP_ENABLED: must be true or false/);
    expect(() => loadConfig({ NODE_ENV: 'test', HIBP_FAILURE_MODE: 'ajar' })).toThrow(/HIBP_FAILURE_MODE: must be open or closed/);
    for (const url of ['ftp://x', 'http:example.com', 'https:/path', 'not a url', 'http://']) {
      expect(() => loadConfig({ NODE_ENV: 'test', HIBP_API_URL: url })).toThrow(/HIBP_API_URL: must be an http\(s\) URL/);
    }
    expect(() => loadConfig({ NODE_ENV: 'test', HIBP_TIMEOUT_MS: '99' })).toThrow(/HIBP_TIMEOUT_MS/);
    expect(() => loadConfig({ NODE_ENV: 'test', HIBP_TIMEOUT_MS: '10001' })).toThrow(/HIBP_TIMEOUT_MS/);
    expect(() => loadConfig({ NODE_ENV: 'test', HIBP_ENABLED: 'yes', HIBP_FAILURE_MODE: 'ajar', HIBP_API_URL: 'ftp://x' })).toThrow(
      /HIBP_ENABLED: must be true or false[\s\S]*HIBP_API_URL: must be an http\(s\) URL[\s\S]*HIBP_FAILURE_MODE: must be open or closed/,
    );
  });
});
