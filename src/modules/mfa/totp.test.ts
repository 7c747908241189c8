import { TotpSecretBox, matchTotpStep, newRecoveryCode, newTotpSecret, normalizeRecoveryCode, totpUri } from './totp';
import { base32Decode, base32Encode, totpRef } from '../../../test/support/totp-ref';

// RFC 6238 Appendix B, SHA1, key = ASCII "12345678901234567890" (8 digits; a 6-digit code is the last 6).
const KEY = Buffer.from('12345678901234567890');
const VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  test.each(VECTORS)('the test implementation matches the RFC vector at %d', (t, code) => {
    expect(totpRef(KEY, t, 8)).toBe(code);
  });

  test.each(VECTORS)('the product accepts the RFC vector at %d (6 digits) and names its time step', (t, code) => {
    const secret = base32Encode(KEY);
    expect(matchTotpStep(secret, code.slice(-6), t * 1000)).toBe(Math.floor(t / 30));
  });

  test('F14: the current step and the one before it, never the next one nor two back; non-digits refused', () => {
    const secret = newTotpSecret();
    const now = 1_800_000_000_000;
    const key = base32Decode(secret);
    const step = Math.floor(now / 30_000);
    expect(matchTotpStep(secret, totpRef(key, now / 1000), now)).toBe(step);
    expect(matchTotpStep(secret, totpRef(key, now / 1000 - 30), now)).toBe(step - 1);
    expect(matchTotpStep(secret, totpRef(key, now / 1000 + 30), now)).toBeNull();
    expect(matchTotpStep(secret, totpRef(key, now / 1000 - 60), now)).toBeNull();
    expect(matchTotpStep(secret, totpRef(key, now / 1000 + 60), now)).toBeNull();
    expect(matchTotpStep(secret, 'abcdef', now)).toBeNull();
  });

  test('a new secret is 160 bits of base32; the URI says SHA1, 6 digits, 30 s', () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecret()).not.toBe(secret);
    const uri = new URL(totpUri(secret, 'Warden', 'a+b@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Warden');
    expect(uri.searchParams.get('algorithm')).toBe('SHA1');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});

describe('TOTP secrets at rest', () => {
  const box = new TotpSecretBox(Buffer.from('a'.repeat(40)));
  test('AES-256-GCM round trip; the ciphertext does not contain the secret; bound to the factor id and the key', () => {
    const secret = newTotpSecret();
    const sealed = box.seal('factor-1', secret);
    expect(sealed).not.toContain(secret);
    expect(Buffer.from(sealed.slice(3), 'base64').toString('latin1')).not.toContain(secret);
    expect(box.open('factor-1', sealed)).toBe(secret);
    expect(box.seal('factor-1', secret)).not.toBe(sealed); // fresh IV
    expect(() => box.open('factor-2', sealed)).toThrow();
    expect(() => new TotpSecretBox(Buffer.from('b'.repeat(40))).open('factor-1', sealed)).toThrow();
    const raw = Buffer.from(sealed.slice(3), 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open('factor-1', `v1.${raw.toString('base64')}`)).toThrow();
  });
});

describe('recovery codes', () => {
  test('12 symbols of a 32-symbol alphabet (60 bits), grouped; normalised from what users type', () => {
    const codes = new Set(Array.from({ length: 1000 }, () => newRecoveryCode()));
    expect(codes.size).toBe(1000);
    for (const code of codes) expect(code).toMatch(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);
    expect(12 * Math.log2(32)).toBeGreaterThanOrEqual(50);
    const code = [...codes][0]!;
    expect(normalizeRecoveryCode(` ${code.toLowerCase()} `)).toBe(code.replace(/-/g, ''));
    expect(normalizeRecoveryCode('short')).toBeNull();
    expect(normalizeRecoveryCode('0000-0000-0000')).toBeNull();
  });
});
