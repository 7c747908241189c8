import { loadConfig } from '../../config/config';
import { checkArgs, checkedByScalar } from '../../graphql/input-guard';
import { WebAuthnAuthenticationResponseScalar } from './webauthn-json.type';

describe('WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS', () => {
  test('default from APP_URL: its host is the relying party id, its origin the one allowed origin', () => {
    expect(loadConfig({ APP_URL: 'https://app.example.com/path/' }).webauthn).toEqual({ rpId: 'app.example.com', origins: ['https://app.example.com'] });
  });

  test('a parent domain as rp id covers several origins', () => {
    const config = loadConfig({
      APP_URL: 'https://app.example.com',
      WEBAUTHN_RP_ID: 'example.com',
      WEBAUTHN_ORIGINS: 'https://app.example.com, https://admin.example.com/',
    });
    expect(config.webauthn).toEqual({ rpId: 'example.com', origins: ['https://app.example.com', 'https://admin.example.com'] });
  });

  test.each([
    [{ WEBAUTHN_RP_ID: 'https://example.com' }, /^WEBAUTHN_RP_ID:/],
    [{ WEBAUTHN_RP_ID: 'Example.com' }, /^WEBAUTHN_RP_ID:/],
    [{ WEBAUTHN_ORIGINS: 'not a url' }, /^WEBAUTHN_ORIGINS:/],
    [{ APP_URL: 'https://app.example.com', WEBAUTHN_ORIGINS: 'https://evil.example.net' }, /^WEBAUTHN_ORIGINS:.*not app\.example\.com/],
    [{ WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_ORIGINS: 'https://notexample.com' }, /^WEBAUTHN_ORIGINS:/],
  ])('%j is refused at start', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});

describe('WebAuthn JSON scalars and the input guard', () => {
  const response = {
    id: 'A'.repeat(300),
    rawId: 'A'.repeat(300),
    type: 'public-key',
    response: { clientDataJSON: 'e'.repeat(2000), authenticatorData: 'x', signature: 'y' },
  };

  test('a parsed response is marked, and the guard does not apply form-field maxima (id: 64) inside it', () => {
    const parsed = WebAuthnAuthenticationResponseScalar.parseValue(structuredClone(response)) as object;
    expect(checkedByScalar in parsed).toBe(true);
    expect(() => checkArgs({ input: { challengeId: 'c', response: parsed } })).not.toThrow();
    // The same object unmarked would be refused by the guard: the mark is what lets it through.
    expect(() => checkArgs({ input: { response: structuredClone(response) } })).toThrow(/input\.response\.id is too long/);
  });

  test.each([
    ['NUL', { ...response, id: 'a\u0000b' }, /control characters/],
    ['newline in a key', { 'a\nb': 1 }, /control characters/],
    ['lone surrogate', { id: 'a\ud800' }, /lone surrogates/],
    ['too large', { id: 'a'.repeat(40_000) }, /too long/],
    ['too deep', { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } }, /nested too deeply/],
  ])('%s is refused by the scalar', (_label, value, message) => {
    expect(() => WebAuthnAuthenticationResponseScalar.parseValue(value)).toThrow(message);
  });
});
