import { isIP } from 'node:net';
import type { KvStore } from '../../store/kv-store';
import { keyedHash } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';

/** One limit: at most `limit` events per `windowSeconds` for one subject (an IP, an email, a phone…). */
export interface LimitRule {
  /** Stable name, part of the key: "ip:otp.verify", "sends", "sms:phone"… */
  name: string;
  limit: number;
  windowSeconds: number;
}

export interface LimitCounter {
  entry: { key: string; ttlSeconds: number };
  judge(result: { value: number; ttlSeconds: number }): LimitState;
  takeBack(): Promise<void>;
}

export interface LimitState {
  /** Events counted in the current window, this one included. */
  count: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

/**
 * Fixed-window counters over KvStore.increment (one atomic INCR + EXPIRE script on Redis), so any
 * number of gateway instances share one count. A window starts at its first event and is never
 * extended, so a refused caller always learns a true retryAfter.
 *
 * Chosen over rate-limiter-flexible: the KvStore port already has the one atomic operation needed,
 * it behaves the same on Redis and the in-process store (one contract), and store failures surface
 * as SERVICE_UNAVAILABLE unchanged (fail closed) instead of through a library's insurance options.
 *
 * Keys are `rl:{<name>:<hmac(subject)>}`: hash-tagged for Redis Cluster, and no email, phone or IP
 * is readable in Redis.
 */
export class RateLimiter {
  constructor(
    private readonly kv: KvStore,
    private readonly hmacKey: Buffer,
  ) {}

  key(rule: Pick<LimitRule, 'name'>, subject: string): string {
    return `rl:{${rule.name}:${keyedHash(this.hmacKey, 'rate-limit', subject).slice(0, 22)}}`;
  }

  /** Several increments in one round trip (KvStore.incrementMany), results in the order of the entries. */
  incrementMany(entries: readonly { key: string; ttlSeconds: number }[]): Promise<{ value: number; ttlSeconds: number }[]> {
    return this.kv.incrementMany(entries);
  }

  /** Takes one increment of a key back (KvStore.takeBack). */
  takeBack(key: string): Promise<void> {
    return this.kv.takeBack(key);
  }

  /**
   * Throws RATE_LIMITED when the limit is already used up, without counting an event otherwise. (When
   * it is used up, one more increment changes nothing but tells the exact retryAfter.)
   */
  async refuseIfExhausted(rule: LimitRule, subject: string): Promise<void> {
    const count = Number((await this.kv.get(this.key(rule, subject))) ?? '0');
    if (count >= rule.limit) await this.consume(rule, subject);
  }

  /** Counts one event. Throws RATE_LIMITED (retryAfter = rest of the window) past the limit; store errors propagate. */
  async consume(rule: LimitRule, subject: string): Promise<LimitState> {
    return this.counter(rule, subject).judge(await this.kv.increment(this.key(rule, subject), rule.windowSeconds));
  }

  /**
   * The same count as consume(), for a caller that sends it to the store together with other increments
   * (KvStore.incrementMany): the entry to send, how to judge its result (RATE_LIMITED past the limit), and
   * how to take the event back when the caller's request was refused for another reason.
   */
  counter(rule: LimitRule, subject: string): LimitCounter {
    if (!Number.isInteger(rule.limit) || rule.limit < 1) throw new TypeError(`rate limit ${rule.name}: limit must be ≥ 1`);
    const key = this.key(rule, subject);
    return {
      entry: { key, ttlSeconds: rule.windowSeconds },
      judge({ value, ttlSeconds }) {
        if (value > rule.limit) throw WardenError.rateLimited(ttlSeconds);
        return { count: value, remaining: rule.limit - value, resetSeconds: ttlSeconds };
      },
      takeBack: () => this.kv.takeBack(key),
    };
  }
}

/**
 * The bucket an IP is counted in: IPv4 as is (IPv4-mapped IPv6 unwrapped), IPv6 by its /64, since one
 * subscriber gets a whole /64 and could otherwise rotate through 2^64 addresses. null → "unknown".
 */
export function ipBucket(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const version = isIP(ip);
  if (version === 4) return ip;
  if (version !== 6) return 'unknown';
  const zoneless = ip.split('%')[0]!.toLowerCase();
  const [head, tail = ''] = zoneless.split('::') as [string, string?];
  const headParts = head ? head.split(':') : [];
  const tailParts = zoneless.includes('::') ? (tail ? tail.split(':') : []) : [];
  const missing = 8 - headParts.length - tailParts.length;
  const groups = [...headParts, ...Array<string>(Math.max(0, missing)).fill('0'), ...tailParts];
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}
