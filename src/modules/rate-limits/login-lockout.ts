import type { Limits } from '../../config/limits';
import type { KvStore } from '../../store/kv-store';
import { keyedHash } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';

/** What login reports back for the attempt that begin() counted. */
export interface LoginAttempt {
  /** The password was right: forget failures and past locks. */
  succeeded(): Promise<void>;
  /** The password (or email) was wrong: the attempt stays counted; the threshold-th one locks. */
  failed(): Promise<void>;
}

/**
 * Password-login lockout per email address (Clerk and Auth0 lock at 10): after LOGIN_LOCKOUT_THRESHOLD
 * failed passwords, password login for that email answers RATE_LIMITED for LOGIN_LOCKOUT_SECONDS,
 * doubling on each repeat up to LOGIN_LOCKOUT_MAX_SECONDS; a correct password resets it.
 *
 * - Keyed by the normalised email whether or not an account has it, and checked before the lookup,
 *   so an unknown email hammered ten times answers exactly like a real one.
 * - Attempts are counted before the password is checked, so a burst of parallel guesses (or guesses
 *   spread over instances) gets at most THRESHOLD password checks, never more.
 * - While locked the password is not checked at all: a right password and a wrong one answer alike.
 * - Only password login is locked. Codes by email or SMS and magic links keep working, so an attacker
 *   who knows an email cannot lock its owner out.
 */
export class LoginLockout {
  constructor(
    private readonly kv: KvStore,
    private readonly hmacKey: Buffer,
    private readonly limits: Readonly<Limits>,
    private readonly nowMs: () => number,
  ) {}

  private keys(email: string) {
    const id = keyedHash(this.hmacKey, 'login-lockout', email).slice(0, 22);
    return {
      attempts: `lockout:{${id}}:attempts`,
      until: `lockout:{${id}}:until`,
      episode: `lockout:{${id}}:episode`,
      level: `lockout:{${id}}:level`,
    };
  }

  private locked(untilMs: number): WardenError {
    return new WardenError('RATE_LIMITED', {
      message: 'Too many failed sign-in attempts. Try again later, or sign in with a code sent to your email.',
      extensions: { retryAfter: Math.max(1, Math.ceil((untilMs - this.nowMs()) / 1000)) },
    });
  }

  /** The lock's length for its n-th repeat (1-based): 15, 30, 60, 60… minutes by default. */
  lockSeconds(level: number): number {
    const { loginLockoutSeconds: base, loginLockoutMaxSeconds: max } = this.limits;
    return Math.min(max, base * 2 ** Math.min(Math.max(0, level - 1), 30));
  }

  /** Throws RATE_LIMITED while the email is locked; otherwise counts this attempt and returns its handle. */
  async begin(email: string): Promise<LoginAttempt> {
    const keys = this.keys(email);
    const until = await this.kv.get(keys.until);
    if (until !== null) throw this.locked(Number(until));
    const threshold = this.limits.loginLockoutThreshold;
    const attempt = await this.kv.increment(keys.attempts, this.limits.loginFailureWindowSeconds);
    // Past the threshold only when attempts raced the one that locks (or it crashed): lock, no check.
    if (attempt.value > threshold) throw this.locked(await this.lock(keys));
    // A lock writes `until` before it resets `attempts`: an increment that landed after that reset sees it here.
    const lockedMeanwhile = await this.kv.get(keys.until);
    if (lockedMeanwhile !== null) throw this.locked(Number(lockedMeanwhile));
    return {
      succeeded: async () => {
        await this.kv.delete(keys.attempts);
        await this.kv.delete(keys.level);
      },
      failed: async () => {
        if (attempt.value >= threshold) await this.lock(keys);
      },
    };
  }

  /** Lifts a lock and forgets failures (the owner proved who they are, e.g. by resetting the password). */
  async clear(email: string): Promise<void> {
    const keys = this.keys(email);
    for (const key of [keys.attempts, keys.until, keys.episode, keys.level]) await this.kv.delete(key);
  }

  /**
   * Starts a lock episode once, however many callers race here: the first to increment `episode`
   * wins, raises the level and writes the end time; the others read it. Returns the lock's end (ms).
   */
  private async lock(keys: ReturnType<LoginLockout['keys']>): Promise<number> {
    const level = Number((await this.kv.get(keys.level)) ?? '0') + 1;
    const seconds = this.lockSeconds(level);
    const guard = await this.kv.increment(keys.episode, seconds);
    if (guard.value === 1) {
      const untilMs = this.nowMs() + seconds * 1000;
      await this.kv.set(keys.until, String(untilMs), seconds);
      await this.kv.set(keys.level, String(level), this.limits.loginFailureWindowSeconds);
      await this.kv.delete(keys.attempts);
      return untilMs;
    }
    const until = await this.kv.get(keys.until);
    return until !== null ? Number(until) : this.nowMs() + guard.ttlSeconds * 1000;
  }
}
