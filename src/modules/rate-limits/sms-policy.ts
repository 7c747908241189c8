import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Limits } from '../../config/limits';
import { WardenError } from '../../errors/warden-error';
import type { RateLimiter } from './rate-limiter';

/**
 * Against SMS pumping (fraudsters making us text premium-rate numbers they are paid for): only the
 * countries in SMS_ALLOWED_COUNTRIES, at most SMS_DAILY_CAP_PER_PHONE texts per number per day and
 * SMS_HOURLY_CAP_PER_COUNTRY_CODE per country calling code per hour. Checked right before a text
 * is handed to the provider; a refusal sends nothing.
 */
export class SmsPolicy {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Readonly<Limits>,
    private readonly allowedCountries: readonly string[] | null,
  ) {}

  /** BAD_USER_INPUT outside the allowlist; RATE_LIMITED past a cap. `phone` is E.164. */
  async beforeSend(phone: string): Promise<void> {
    const parsed = parsePhoneNumberFromString(phone);
    if (!parsed) throw WardenError.badInput('That phone number is not valid.', 'phone');
    // Country by numbering plan, not by calling code: +1 is also Jamaica, +44 also Guernsey.
    if (this.allowedCountries && (!parsed.country || !this.allowedCountries.includes(parsed.country))) {
      throw WardenError.badInput('Text messages cannot be sent to this country.', 'phone');
    }
    await this.limiter.consume({ name: 'sms:phone', limit: this.limits.smsDailyCapPerPhone, windowSeconds: 24 * 3600 }, parsed.number);
    await this.limiter.consume(
      { name: `sms:cc:${parsed.countryCallingCode}`, limit: this.limits.smsHourlyCapPerCountryCode, windowSeconds: 3600 },
      parsed.countryCallingCode,
    );
  }
}
