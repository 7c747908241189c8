import type { Limits } from '../../config/limits';
import { declaredFieldLimitNames, declaredRateLimitRules, type FieldLimitName } from '../declarations';
import type { RequestMeta } from '../request-meta';
import { ipBucket, type LimitRule, type RateLimiter } from './rate-limiter';

/**
 * Every mutation field that is limited per client IP, by the name its @RateLimit decorator gives. Each name is
 * declared once, in the `rateLimits` of its capability (src/modules/<cap>/<cap>.declarations.ts).
 */
export const fieldLimitNames = declaredFieldLimitNames;

export type { FieldLimitName };

/**
 * The per-IP rule for one field: RATE_LIMIT_IP_PER_MINUTE, or RATE_LIMIT_IP_SESSION_PER_MINUTE for session upkeep
 * (refresh, logout: far more frequent per IP than sign-in), as the field's module declares it with its rate limit.
 */
export function fieldRule(name: FieldLimitName, limits: Readonly<Limits>): LimitRule {
  const limit = declaredRateLimitRules[name] === 'session-upkeep' ? limits.rateLimitIpSessionPerMinute : limits.rateLimitIpPerMinute;
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
