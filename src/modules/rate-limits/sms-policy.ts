import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Limits } from '../../config/limits';
import { WardenError } from '../../errors/warden-error';
import type { RateLimiter } from './rate-limiter';
import type { VerifiedPhones } from './verified-phones';

/**
 * Against SMS pumping (fraudsters making us text premium-rate numbers they are paid for): only the
 * countries in SMS_ALLOWED_COUNTRIES, and caps that cannot be turned against real users:
 * - a number never verified (or not in the last 30 days): at most SMS_DAILY_CAP_PER_PHONE texts per day,
 *   and together with every other such number of its calling code SMS_HOURLY_CAP_PER_COUNTRY_CODE per hour;
 * - a number that completed an SMS verification recently (VerifiedPhones) draws on its own budget:
 *   SMS_HOURLY_CAP_PER_COUNTRY_CODE per calling code per hour counted apart, and no daily per-number cap
 *   (RATE_LIMIT_SENDS_PER_HOUR per number still applies), so strangers hammering unverified numbers, or
 *   this number, cannot switch SMS sign-in off for its owner. See SECURITY.md.
 * Checked right before a text is handed to the provider; a refusal sends nothing.
 */
export class SmsPolicy {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Readonly<Limits>,
    private readonly allowedCountries: readonly string[] | null,
    private readonly verifiedPhones: VerifiedPhones | null = null,
  ) {}

  /** BAD_USER_INPUT outside the allowlist; RATE_LIMITED past a cap. `phone` is E.164. */
  async beforeSend(phone: string): Promise<void> {
    const parsed = parsePhoneNumberFromString(phone);
    if (!parsed) throw WardenError.badInput('That phone number is not valid.', 'phone');
    // Country by numbering plan, not by calling code: +1 is also Jamaica, +44 also Guernsey.
    if (this.allowedCountries && (!parsed.country || !this.allowedCountries.includes(parsed.country))) {
      throw WardenError.badInput('Text messages cannot be sent to this country.', 'phone');
    }
    const cc = parsed.countryCallingCode;
    const countryRule = { limit: this.limits.smsHourlyCapPerCountryCode, windowSeconds: 3600 };
    if (this.verifiedPhones && (await this.verifiedPhones.isVerified(parsed.number))) {
      await this.limiter.consume({ name: `sms:cc-verified:${cc}`, ...countryRule }, cc);
      return;
    }
    await this.limiter.consume({ name: 'sms:phone', limit: this.limits.smsDailyCapPerPhone, windowSeconds: 24 * 3600 }, parsed.number);
    await this.limiter.consume({ name: `sms:cc:${cc}`, ...countryRule }, cc);
  }

  /** An SMS code to this number was verified: from now on it draws on the verified budget. */
  async recordVerified(phone: string): Promise<void> {
    await this.verifiedPhones?.record(phone);
  }
}
