import { createHmac, randomBytes, randomUUID, timingSafeEqual, createHash } from 'node:crypto';

/** A presented token: "<id>.<secret>". The id finds the row; only a keyed hash of the secret is stored. */
export interface SecretToken {
  id: string;
  secret: string;
  token: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SECRET_RE = /^[A-Za-z0-9_-]{43}$/; // 32 bytes, base64url, no padding

export function isUuid(value: string): boolean {
  return UUID_RE.test(value);
}

/** 32 random bytes from the CSPRNG, URL-safe. */
export function createSecretToken(): SecretToken {
  const id = randomUUID();
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${id}.${secret}` };
}

/** null for anything that is not a well-formed token. */
export function parseSecretToken(token: string | null | undefined): { id: string; secret: string } | null {
  if (typeof token !== 'string' || token.length > 100) return null;
  const dot = token.indexOf('.');
  if (dot < 0) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  if (!UUID_RE.test(id) || !SECRET_RE.test(secret)) return null;
  return { id, secret };
}

/** Keyed hash for secrets at rest. `purpose` separates kinds of secret (refresh, magic-link, otp…). */
export function keyedHash(key: Buffer, purpose: string, value: string): string {
  return createHmac('sha256', key).update(purpose).update('\0').update(value).digest('base64url');
}

/** Compares two strings in time that depends only on their hashed length (fixed). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * Whether `stored` is the keyed hash of `value` under `key` or, only on a miss and only when one is configured,
 * under `previousKey` (WARDEN_SECRET_PREVIOUS: codes and tokens hashed before a rotation still match). Single-use
 * values need no re-hashing: using one spends it.
 */
export function keyedHashMatches(stored: string, key: Buffer, previousKey: Buffer | null | undefined, purpose: string, value: string): boolean {
  if (constantTimeEqual(stored, keyedHash(key, purpose, value))) return true;
  return !!previousKey && constantTimeEqual(stored, keyedHash(previousKey, purpose, value));
}

/**
 * A key's public name in sealed values ("v1.<kid>.…"): 8 base64url characters of an HMAC under the key, so the
 * value says which secret sealed it without saying anything about the secret.
 */
export function keyId(key: Buffer): string {
  return createHmac('sha256', key).update('warden key id').digest('base64url').slice(0, 8);
}
