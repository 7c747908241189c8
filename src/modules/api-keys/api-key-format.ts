import { randomInt } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The key format (contract, "API keys"): wdn_<P>_<S>_<C>, P 12 and S 43 CSPRNG base62 characters, C the CRC-32
 * (IEEE, as zlib) of `wdn_<P>_<S>` in 6 base62 digits, most significant first, zero-padded. Secret scanners match
 * KEY_PATTERN; a bad checksum is refused here, before any lookup.
 */
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const KEY_PATTERN = /^wdn_([0-9A-Za-z]{12})_([0-9A-Za-z]{43})_([0-9A-Za-z]{6})$/;
export const PREFIX_PATTERN = /^wdn_[0-9A-Za-z]{12}$/;

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

export function checksum(body: string): string {
  let n = crc32(body);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export interface NewKey {
  /** wdn_ + P: the public part, the client_id. */
  prefix: string;
  /** The whole key, shown once. */
  key: string;
}

export function generateKey(): NewKey {
  const prefix = `wdn_${randomBase62(12)}`;
  const body = `${prefix}_${randomBase62(43)}`;
  return { prefix, key: `${body}_${checksum(body)}` };
}

/** The prefix of a well-formed key whose checksum matches; null otherwise (nothing was looked up). */
export function parseKey(key: string): { prefix: string } | null {
  if (key.length !== 67) return null;
  const match = KEY_PATTERN.exec(key);
  if (!match) return null;
  if (checksum(key.slice(0, 60)) !== match[3]) return null;
  return { prefix: `wdn_${match[1]}` };
}

/** Whether a bearer looks like a key (the transport routes it here rather than to sessions). */
export function looksLikeKey(token: string): boolean {
  return token.startsWith('wdn_');
}
