import { keyId } from '../../crypto/secret-token';
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
    const data = sealed.split('.').at(-1)!;
    expect(Buffer.from(data, 'base64').toString('latin1')).not.toContain(secret);
    expect(box.open('factor-1', sealed)).toBe(secret);
    expect(box.seal('factor-1', secret)).not.toBe(sealed); // fresh IV
    expect(() => box.open('factor-2', sealed)).toThrow();
    expect(() => new TotpSecretBox(Buffer.from('b'.repeat(40))).open('factor-1', sealed)).toThrow();
    const raw = Buffer.from(data, 'base64');
    raw[raw.length - 1] ^= 1;
    expect(() => box.open('factor-1', sealed.replace(data, raw.toString('base64')))).toThrow();
  });

  test('F12: a key id in every sealed value; WARDEN_SECRET_PREVIOUS opens (stale) what the old secret sealed; an unknown key is null, not a throw', () => {
    const a = Buffer.from('a'.repeat(40));
    const b = Buffer.from('b'.repeat(40));
    const secret = newTotpSecret();
    const underA = new TotpSecretBox(a).seal('factor-1', secret);
    expect(underA).toMatch(new RegExp(`^v1\\.${keyId(a)}\\.[A-Za-z0-9+/=]+$`));
    expect(underA).not.toContain(a.toString('base64').slice(0, 8));
    const rotated = new TotpSecretBox(b, a);
    expect(rotated.tryOpen('factor-1', underA)).toEqual({ secret, stale: true });
    const resealed = rotated.seal('factor-1', secret);
    expect(resealed.startsWith(`v1.${keyId(b)}.`)).toBe(true);
    expect(rotated.tryOpen('factor-1', resealed)).toEqual({ secret, stale: false });
    // Without the previous secret, nothing opens and nothing throws.
    expect(new TotpSecretBox(b).tryOpen('factor-1', underA)).toBeNull();
    expect(new TotpSecretBox(b).tryOpen('factor-1', 'garbage')).toBeNull();
    // The old format without a key id ("v1.<data>") still opens, under either key, and is stale (sealed again on use).
    const legacy = `v1.${underA.split('.')[2]}`;
    expect(new TotpSecretBox(a).tryOpen('factor-1', legacy)).toEqual({ secret, stale: true });
    expect(rotated.tryOpen('factor-1', legacy)).toEqual({ secret, stale: true });
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
