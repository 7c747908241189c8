import isEmail from 'validator/lib/isEmail';

/**
 * Trimmed, NFC-normalised, lower-cased, then checked by validator's isEmail; null when it cannot be an address.
 * No other import (no errors module): settings parsers (ADMIN_EMAILS) run while the declarations load.
 */
export function normalizedEmailOrNull(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.trim().normalize('NFC').toLowerCase();
  if (
    email.length === 0 ||
    email.length > 254 ||
    !isEmail(email, { allow_utf8_local_part: true, require_tld: true, allow_ip_domain: false, allow_display_name: false }) ||
    email.split('@')[0]!.length > 64
  ) {
    return null;
  }
  return email;
}
