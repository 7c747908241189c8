import { WardenError } from '../../errors/warden-error';
import { randomInt } from 'node:crypto';

/** The contract's slug: 1 to 63 of [a-z0-9-], no dash at either end. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/**
 * A slug made from a name (contract): NFKD (its combining marks dropped: é gives e), ASCII lower case, every other run becomes `-`, at most 48 characters
 * (no dash at either end). A name with nothing left (all symbols, another script) gives `org`.
 */
export function slugFromName(name: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '');
  return base.length > 0 ? base : 'org';
}

/** `-` and 6 random [a-z0-9], added to a made slug that is taken. */
export function slugSuffix(): string {
  let out = '-';
  for (let i = 0; i < 6; i += 1) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/** A slug given: text matching the contract's pattern, else BAD_USER_INPUT; null or undefined: none given. */
export function checkSlug(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'string' || !SLUG_PATTERN.test(raw)) {
    throw WardenError.badInput('A slug is 1 to 63 of a-z, 0-9 and -, not starting or ending with -.', 'slug');
  }
  return raw;
}
