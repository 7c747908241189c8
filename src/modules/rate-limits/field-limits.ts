import type { Limits } from '../../config/limits';
import { declaredFieldLimitNames, declaredRateLimitRules, type FieldLimitName } from '../declarations';
import type { RequestMeta } from '../request-meta';
import type { HookRegistry } from '../../kernel/hooks';
import type { FieldGuardPlan, GuardedField } from './field-guard';
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
    private readonly hooks?: HookRegistry,
  ) {}

  /**
   * Counts the field against its per-IP limit. With `field`, the guards (ModuleHooks.fieldGuards) that apply to it
   * add their counters to the same round trip, and decide after the per-IP limit passed; with none, one increment.
   */
  async consume(name: FieldLimitName, meta: RequestMeta, field?: Omit<GuardedField, 'limit' | 'meta'>): Promise<void> {
    const rule = fieldRule(name, this.limits);
    const guards = field && this.hooks ? this.hooks.fieldGuards() : [];
    const plans: FieldGuardPlan[] = [];
    for (const guard of guards) {
      const plan = guard.plan({ ...field!, limit: name, meta });
      if (plan) plans.push(plan);
    }
    if (plans.length === 0) {
      await this.limiter.consume(rule, ipBucket(meta.ip));
      return;
    }
    const ip = this.limiter.counter(rule, ipBucket(meta.ip));
    const [ipResult, ...results] = await this.limiter.incrementMany([ip.entry, ...plans.flatMap((p) => p.entries)]);
    try {
      ip.judge(ipResult!);
    } catch (error) {
      // Refused by the per-IP limit: the guards count only calls that got past it.
      await Promise.all(plans.flatMap((p) => p.entries).map((e) => this.limiter.takeBack(e.key)));
      throw error;
    }
    let at = 0;
    for (const plan of plans) {
      await plan.decide(results.slice(at, at + plan.entries.length));
      at += plan.entries.length;
    }
  }
}
