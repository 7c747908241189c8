import { crc32 } from 'node:zlib';
import { checksum, generateKey, KEY_PATTERN, parseKey } from './api-key-format';
import { ApiKeysService, type ApiKeysDeps } from './api-keys.service';
import { WardenError } from '../../errors/warden-error';

/** The contract's base62 (0-9A-Za-z), most significant first, 6 digits, written independently of api-key-format.ts. */
function base62(n: number): string {
  const digits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let out = '';
  let v = BigInt(n);
  while (v > 0n) {
    out = digits[Number(v % 62n)] + out;
    v /= 62n;
  }
  return out.padStart(6, '0');
}

describe('API key format (contract, "API keys")', () => {
  it('wdn_<P12>_<S43>_<C6>: the scanners’ pattern matches, the checksum is the CRC-32 of wdn_<P>_<S> in base62', () => {
    for (let i = 0; i < 200; i++) {
      const { key, prefix } = generateKey();
      expect(key).toMatch(/\bwdn_[0-9A-Za-z]{12}_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}\b/);
      expect(key).toMatch(KEY_PATTERN);
      expect(key.slice(-6)).toBe(base62(crc32(key.slice(0, 60))));
      expect(parseKey(key)).toEqual({ prefix });
    }
    expect(checksum('wdn_000000000000_' + '0'.repeat(43))).toBe(base62(crc32('wdn_000000000000_' + '0'.repeat(43))));
  });

  it('a changed character or checksum, a wrong length or alphabet is refused before any lookup (null)', () => {
    const { key } = generateKey();
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
    for (const i of [4, 10, 17, 40, 59, 61, 66]) expect(parseKey(flip(key, i))).toBeNull();
    expect(parseKey(key + 'a')).toBeNull();
    expect(parseKey(key.replace('wdn_', 'wdx_'))).toBeNull();
    expect(parseKey(key.slice(0, 20) + '-' + key.slice(21))).toBeNull();
  });
});

describe('ApiKeysService', () => {
  it('an impersonation session may not create, rotate or revoke keys: FORBIDDEN IMPERSONATION, before anything is read', async () => {
    const service = new ApiKeysService({} as ApiKeysDeps);
    const viewer = { userId: 'target', impersonatorId: 'admin' };
    const meta = { requestId: 'r', ip: null, userAgent: null };
    for (const call of [
      () => service.create(viewer, { name: 'ci', scopes: [] }, meta),
      () => service.rotate(viewer, 'id', 0, meta),
      () => service.revoke(viewer, 'id', meta),
    ]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WardenError);
      expect(error).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'IMPERSONATION' } });
    }
  });
});
