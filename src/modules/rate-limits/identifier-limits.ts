import type { Limits } from '../../config/limits';
import type { LimitCounter, RateLimiter } from './rate-limiter';

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

  private sendsRule() {
    return { name: 'sends', limit: this.limits.rateLimitSendsPerHour, windowSeconds: 3600 };
  }

  /** One code or link about to be sent (signup, login, requestOtp, resendOtp, magic link, reset). RATE_LIMITED past RATE_LIMIT_SENDS_PER_HOUR. */
  async countSend(destination: string): Promise<void> {
    await this.limiter.consume(this.sendsRule(), destination);
  }

  /**
   * RATE_LIMITED when the sends budget is used up, counting nothing. Login calls it on a wrong password:
   * a right one is refused by countSend when the LOGIN code cannot be sent, so with the budget spent
   * both answer RATE_LIMITED and the answer does not tell whether the password was right.
   */
  async refuseIfSendsExhausted(destination: string): Promise<void> {
    await this.limiter.refuseIfExhausted(this.sendsRule(), destination);
  }

  /**
   * One code about to be compared (verifyOtp, resetPassword by code), counted along with the try against its
   * challenge in one round trip (KvStore.incrementMany). Its judge throws RATE_LIMITED past
   * RATE_LIMIT_CODE_CHECKS_PER_HOUR.
   */
  checkCounter(destination: string): LimitCounter {
    return this.limiter.counter(this.checksRule(), destination);
  }

  private checksRule() {
    return { name: 'checks', limit: this.limits.rateLimitCodeChecksPerHour, windowSeconds: 3600 };
  }
}
