import type { Limits } from '../../config/limits';
import type { RateLimiter } from './rate-limiter';

/**
 * Limits per email address or phone number, whichever IP the requests come from. Services call them
 * with the normalised identifier, before they look the account up, so unknown addresses are limited
 * exactly like known ones (no enumeration through limits).
 */
export class IdentifierLimits {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Readonly<Limits>,
  ) {}

  /** One code or link about to be sent (signup, login, requestOtp, resendOtp, magic link, reset). RATE_LIMITED past RATE_LIMIT_SENDS_PER_HOUR. */
  async countSend(destination: string): Promise<void> {
    await this.limiter.consume({ name: 'sends', limit: this.limits.rateLimitSendsPerHour, windowSeconds: 3600 }, destination);
  }

  /** One code about to be compared (verifyOtp, resetPassword by code). RATE_LIMITED past RATE_LIMIT_CODE_CHECKS_PER_HOUR. */
  async countCheck(destination: string): Promise<void> {
    await this.limiter.consume({ name: 'checks', limit: this.limits.rateLimitCodeChecksPerHour, windowSeconds: 3600 }, destination);
  }
}
