import { keyedHash } from '../../crypto/secret-token';
import type { KvStore } from '../../store/kv-store';

/** How long a number that completed an SMS verification counts as verified for the SMS caps. */
export const VERIFIED_PHONE_TTL_SECONDS = 30 * 24 * 3600;

/**
 * Numbers whose owner recently typed back a code we texted (verifyOtp on an SMS challenge). Kept in the
 * key-value store under an HMAC of the number (no phone number in the store), for 30 days from the
 * last verification. SmsPolicy gives them their own budget.
 */
export class VerifiedPhones {
  constructor(
    private readonly kv: KvStore,
    private readonly hmacKey: Buffer,
    private readonly ttlSeconds = VERIFIED_PHONE_TTL_SECONDS,
  ) {}

  private key(phone: string): string {
    return `sms-verified:${keyedHash(this.hmacKey, 'sms-verified', phone).slice(0, 22)}`;
  }

  async record(phone: string): Promise<void> {
    await this.kv.set(this.key(phone), '1', this.ttlSeconds);
  }

  async isVerified(phone: string): Promise<boolean> {
    return (await this.kv.get(this.key(phone))) !== null;
  }
}
