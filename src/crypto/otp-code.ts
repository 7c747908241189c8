import { randomInt } from 'node:crypto';
import { keyedHash } from './secret-token';

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
