import { constantTimeEqual, createSecretToken, keyedHash, keyedHashMatches, keyId, parseSecretToken } from './secret-token';
import { generateOtpCode, hashOtpCode } from './otp-code';

describe('secret tokens <id>.<secret>', () => {
  test('round trip; 32 random bytes; unique', () => {
    const a = createSecretToken();
    const b = createSecretToken();
    expect(parseSecretToken(a.token)).toEqual({ id: a.id, secret: a.secret });
    expect(Buffer.from(a.secret, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);
  });

  test.each(['', 'abc', 'x.y', `${createSecretToken().id}.short`, `not-a-uuid.${'A'.repeat(43)}`, `${createSecretToken().token}x`, null, undefined])(
    'rejects %p',
    (token) => {
      expect(parseSecretToken(token as string)).toBeNull();
    },
  );

  test('keyed hashes depend on key and purpose', () => {
    const key = Buffer.from('k'.repeat(32));
    expect(keyedHash(key, 'refresh', 's')).not.toBe(keyedHash(key, 'magic-link', 's'));
    expect(keyedHash(key, 'refresh', 's')).not.toBe(keyedHash(Buffer.from('j'.repeat(32)), 'refresh', 's'));
  });

  test('F12: keyedHashMatches tries WARDEN_SECRET_PREVIOUS only on a miss; keyId names a key without revealing it', () => {
    const previous = Buffer.from('p'.repeat(32));
    const current = Buffer.from('c'.repeat(32));
    const old = keyedHash(previous, 'magic-link', 's');
    expect(keyedHashMatches(old, current, previous, 'magic-link', 's')).toBe(true);
    expect(keyedHashMatches(old, current, null, 'magic-link', 's')).toBe(false);
    expect(keyedHashMatches(old, current, previous, 'reset', 's')).toBe(false);
    expect(keyedHashMatches(keyedHash(current, 'magic-link', 's'), current, null, 'magic-link', 's')).toBe(true);
    expect(keyId(current)).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(keyId(current)).not.toBe(keyId(previous));
    expect(keyId(current)).toBe(keyId(Buffer.from('c'.repeat(32))));
  });

  test('constantTimeEqual', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('OTP codes', () => {
  test('6 digits with leading zeros possible, roughly uniform', () => {
    const codes = Array.from({ length: 2000 }, () => generateOtpCode(6));
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    const firstDigits = new Set(codes.map((c) => c[0]));
    expect(firstDigits.size).toBe(10);
    expect(new Set(codes).size).toBeGreaterThan(1990);
  });

  test('the hash is bound to the challenge', () => {
    const key = Buffer.from('k'.repeat(32));
    expect(hashOtpCode(key, 'c1', '123456')).not.toBe(hashOtpCode(key, 'c2', '123456'));
  });
});
