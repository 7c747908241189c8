import { normalizedEmailOrNull } from '../users/email-syntax';

/**
 * ADMIN_EMAILS: comma-separated addresses, normalised as every email is (trimmed, NFC, lower case). A user whose
 * verified email is listed is a platform admin. An entry that is not an address is refused (a typo would silently
 * grant nobody, or the wrong person); blanks around entries are ignored; unset: nobody is an admin.
 */
export function parseAdminEmails(raw: string | undefined): ReadonlySet<string> {
  if (raw === undefined || raw.trim() === '') return new Set();
  const emails = new Set<string>();
  for (const entry of raw.split(',').map((s) => s.trim())) {
    if (entry === '') throw new Error('an empty entry (two commas in a row, or a trailing comma)');
    const email = normalizedEmailOrNull(entry);
    if (email === null) throw new Error(`"${entry}" is not an email address`);
    emails.add(email);
  }
  return emails;
}

/** IMPERSONATION_NOTIFY_USER: true or false (any case). */
export function parseFlag(raw: string | undefined): boolean {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new Error(`"${raw}" is not true or false`);
}
