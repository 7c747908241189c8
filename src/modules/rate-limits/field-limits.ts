import type { Limits } from '../../config/limits';
import type { RequestMeta } from '../request-meta';
import { ipBucket, type LimitRule, type RateLimiter } from './rate-limiter';

/** Every mutation field that is limited per client IP, by the name its @RateLimit decorator gives. */
export const fieldLimitNames = [
  'password.signup',
  'password.login',
  'otp.request',
  'otp.resend',
  'otp.verify',
  'magic-link.request',
  'magic-link.verify',
  'password-reset.request',
  'password-reset.reset',
  'mfa.enroll',
  'mfa.verify-recovery-code',
  'mfa.reauthenticate',
  'sessions.refresh',
  'sessions.logout',
  'sessions.logout-all',
  'sessions.revoke',
  'passkeys.registration-start',
  'passkeys.registration-finish',
  'passkeys.authentication-start',
  'passkeys.authentication-finish',
  'passkeys.rename',
  'passkeys.remove',
  'oauth.start',
  'oauth.complete',
  'oauth.link',
  'oauth.unlink',
  'oauth.callback',
  'account.update',
  'account.password',
  'account.request-change',
  'account.undo-email-change',
  'account.recovery',
  'account.verify-recovery',
  'organizations.create',
  'organizations.update',
  'organizations.delete',
  'organizations.leave',
  'organizations.remove-member',
  'organizations.update-member-role',
  'organizations.transfer-ownership',
] as const;

export type FieldLimitName = (typeof fieldLimitNames)[number];

/** Session upkeep (refresh, logout) runs far more often per IP than sign-in (offices behind one NAT). */
const sessionFields: ReadonlySet<FieldLimitName> = new Set(['sessions.refresh', 'sessions.logout', 'sessions.logout-all', 'sessions.revoke']);

/** The per-IP rule for one field: RATE_LIMIT_IP_PER_MINUTE, or RATE_LIMIT_IP_SESSION_PER_MINUTE for session upkeep. */
export function fieldRule(name: FieldLimitName, limits: Readonly<Limits>): LimitRule {
  const limit = sessionFields.has(name) ? limits.rateLimitIpSessionPerMinute : limits.rateLimitIpPerMinute;
  return { name: `ip:${name}`, limit, windowSeconds: 60 };
}

/**
 * Per client IP, per operation: what @RateLimit calls once for every executed field, so an alias or
 * a batched operation is counted like a separate request.
 */
export class FieldLimiter {
  constructor(
    private readonly limiter: RateLimiter,
    private readonly limits: Readonly<Limits>,
  ) {}

  async consume(name: FieldLimitName, meta: RequestMeta): Promise<void> {
    await this.limiter.consume(fieldRule(name, this.limits), ipBucket(meta.ip));
  }
}
