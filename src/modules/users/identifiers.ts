import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { normalizedEmailOrNull } from './email-syntax';
import { WardenError } from '../../errors/warden-error';

/** Trimmed, NFC-normalised, lower-cased, then checked by validator's isEmail; BAD_USER_INPUT when it cannot be an address. */
export function normalizeEmail(raw: unknown): string {
  const email = normalizedEmailOrNull(raw);
  if (email === null) throw WardenError.badInput('Enter a valid email address.', 'email');
  return email;
}

/** E.164 only ("+" and country code), checked against real numbering plans; BAD_USER_INPUT otherwise. */
export function normalizePhone(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length > 32) throw WardenError.badInput('Enter a phone number in E.164 form, e.g. +447911123456.', 'phone');
  const compact = raw.trim().replace(/[\s().-]/g, '');
  if (!/^\+[1-9]\d{6,14}$/.test(compact)) {
    throw WardenError.badInput('Enter a phone number in E.164 form, e.g. +447911123456.', 'phone');
  }
  const parsed = parsePhoneNumberFromString(compact);
  if (!parsed || !parsed.isValid()) throw WardenError.badInput('That phone number is not valid.', 'phone');
  return parsed.number;
}

/** j***@e***.com */
export function maskEmail(email: string): string {
  const [local, domain] = email.split('@') as [string, string];
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${local[0]}***@${host[0]}***${tld}`;
}

/** +44******789 */
export function maskPhone(phone: string): string {
  const cc = parsePhoneNumberFromString(phone)?.countryCallingCode ?? '';
  const rest = phone.slice(1 + cc.length);
  return `+${cc}${'*'.repeat(Math.max(0, rest.length - 3))}${rest.slice(-3)}`;
}

/** Optional free text: trimmed, empty → null, longer than maxLength → BAD_USER_INPUT. */
export function optionalText(raw: unknown, field: string, maxLength: number): string | null {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'string') throw WardenError.badInput(`${field} must be text.`, field);
  const value = raw.trim().normalize('NFC');
  if (value.length > maxLength) throw WardenError.badInput(`${field} is too long (at most ${maxLength} characters).`, field);
  return value.length === 0 ? null : value;
}

export function requiredText(raw: unknown, field: string, maxLength: number): string {
  const value = optionalText(raw, field, maxLength);
  if (value === null) throw WardenError.badInput(`${field} is required.`, field);
  return value;
}

export function optionalHttpUrl(raw: unknown, field: string, maxLength: number): string | null {
  const value = optionalText(raw, field, maxLength);
  if (value === null) return null;
  try {
    const url = new URL(value);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url.toString();
  } catch {
    /* fall through */
  }
  throw WardenError.badInput(`${field} must be an http(s) URL.`, field);
}
