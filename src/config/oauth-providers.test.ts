import { ConfigError, loadConfig } from './config';

const base = { NODE_ENV: 'test' };

describe('OAUTH_* provider configuration', () => {
  test('no variables: no provider', () => {
    expect(loadConfig(base).oauthProviders).toEqual([]);
  });

  test('google, github and a generic provider with their defaults', () => {
    const providers = loadConfig({
      ...base,
      OAUTH_GOOGLE_CLIENT_ID: 'g-id',
      OAUTH_GOOGLE_CLIENT_SECRET: 'g-secret',
      OAUTH_GITHUB_CLIENT_ID: 'gh-id',
      OAUTH_GITHUB_CLIENT_SECRET: 'gh-secret',
      OAUTH_OIDC_OKTA_ISSUER: 'https://example.okta.com/',
      OAUTH_OIDC_OKTA_CLIENT_ID: 'o-id',
      OAUTH_OIDC_OKTA_CLIENT_SECRET: 'o-secret',
    }).oauthProviders;
    expect(providers.map((p) => [p.id, p.kind, p.name])).toEqual([
      ['google', 'OIDC', 'Google'],
      ['github', 'GITHUB', 'GitHub'],
      ['okta', 'OIDC', 'Okta'],
    ]);
    expect(providers[0]!.issuer).toBe('https://accounts.google.com');
    expect(providers[1]).toMatchObject({ webUrl: 'https://github.com', apiUrl: 'https://api.github.com' });
    expect(providers[2]!.issuer).toBe('https://example.okta.com');
  });

  test.each([
    [{ OAUTH_GOOGLE_CLIENT_ID: 'only-id' }, 'OAUTH_GOOGLE_CLIENT_SECRET'],
    [{ OAUTH_OIDC_ACME_ISSUER: 'https://acme.example' }, 'OAUTH_OIDC_ACME_ISSUER, OAUTH_OIDC_ACME_CLIENT_ID'],
    [
      { OAUTH_GOOGLE_CLIENT_ID: 'a', OAUTH_GOOGLE_CLIENT_SECRET: 'b', OAUTH_GOOGLE_ISSUER: 'http://accounts.example.com' },
      'OAUTH_GOOGLE_ISSUER: must be an https',
    ],
    [{ OAUTH_GITHUB_CLIENT_ID: 'a', OAUTH_GITHUB_CLIENT_SECRET: 'b', OAUTH_GITHUB_URL: 'https://user:pw@github.example' }, 'OAUTH_GITHUB_URL'],
    [{ OAUTH_OIDC_GOOGLE_ISSUER: 'https://x.example', OAUTH_OIDC_GOOGLE_CLIENT_ID: 'a', OAUTH_OIDC_GOOGLE_CLIENT_SECRET: 'b' }, 'reserved'],
  ])('refused: %j', (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });

  test('OAUTH_OIDC_<ID>_TRUST_EMAIL: off by default for a generic provider; google and github are trusted', () => {
    const generic = { OAUTH_OIDC_OKTA_ISSUER: 'https://example.okta.com', OAUTH_OIDC_OKTA_CLIENT_ID: 'o', OAUTH_OIDC_OKTA_CLIENT_SECRET: 's' };
    const both = { OAUTH_GOOGLE_CLIENT_ID: 'g', OAUTH_GOOGLE_CLIENT_SECRET: 's', OAUTH_GITHUB_CLIENT_ID: 'h', OAUTH_GITHUB_CLIENT_SECRET: 's' };
    const trust = (env: Record<string, string>) => loadConfig({ ...base, ...both, ...generic, ...env }).oauthProviders.map((p) => [p.id, p.trustEmail]);
    expect(trust({})).toEqual([
      ['google', true],
      ['github', true],
      ['okta', false],
    ]);
    expect(trust({ OAUTH_OIDC_OKTA_TRUST_EMAIL: 'true' })).toContainEqual(['okta', true]);
    expect(trust({ OAUTH_OIDC_OKTA_TRUST_EMAIL: 'false' })).toContainEqual(['okta', false]);
    expect(() => trust({ OAUTH_OIDC_OKTA_TRUST_EMAIL: 'yes' })).toThrow('OAUTH_OIDC_OKTA_TRUST_EMAIL: must be true or false');
    expect(() => trust({ OAUTH_OIDC_OKTA_TRUST_EMAIL: '1' })).toThrow('OAUTH_OIDC_OKTA_TRUST_EMAIL: must be true or false');
  });

  test('plain http only for a loopback issuer outside production', () => {
    const env = { OAUTH_GOOGLE_CLIENT_ID: 'a', OAUTH_GOOGLE_CLIENT_SECRET: 'b', OAUTH_GOOGLE_ISSUER: 'http://127.0.0.1:9999' };
    expect(loadConfig({ ...base, ...env }).oauthProviders[0]!.issuer).toBe('http://127.0.0.1:9999');
  });
});
