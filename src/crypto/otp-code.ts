import { randomInt } from 'node:crypto';
import { keyedHash, keyedHashMatches } from './secret-token';

/** A decimal code of `length` digits from the CSPRNG (uniform, leading zeros kept). */
export function generateOtpCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(0, 10));
  return code;
}

/** The code's HMAC, bound to its challenge so a hash cannot be replayed on another challenge. */
export function hashOtpCode(key: Buffer, challengeId: string, code: string): string {
  return keyedHash(key, `otp:${challengeId}`, code);
}

/**
 * Whether `code` hashes to `expected` under `key`, or else (tried only on a miss) under `previous`: a code
 * mailed before WARDEN_SECRET rotated was hashed under WARDEN_SECRET_PREVIOUS.
 */
export function hashOtpCodeMatches(key: Buffer, previous: Buffer | null | undefined, challengeId: string, code: string, expected: string): boolean {
  return keyedHashMatches(expected, key, previous, `otp:${challengeId}`, code);
}
