import type { Limits } from '../../config/limits';
import type { KvStore } from '../../store/kv-store';
import { WardenError } from '../../errors/warden-error';

/**
 * How long consecutive failures are remembered without a success: long enough that no window resets them (the
 * fixed MFA_MAX_FAILURES window does, every MFA_FAILURE_WINDOW_SECONDS), bounded so that idle keys expire.
 */
export const MFA_FAILURE_MEMORY_SECONDS = 365 * 24 * 3600;

/** What the caller reports back for the try that begin() counted. */
export interface MfaTry {
  /** Consecutive failures of the user so far, this try included. */
  readonly consecutive: number;
  /** The code was wrong: the threshold-th consecutive failure (and every one after it) locks. */
  failed(): Promise<{ lockedLevel: number | null }>;
}

/**
 * Consecutive second-factor failures per user (NIST 800-63B §3.2.2: at most MFA_LOCKOUT_THRESHOLD, default 100),
 * across challenges, windows and both kinds of code (authenticator and recovery), cleared only by a success.
 * The MFA_LOCKOUT_THRESHOLD-th consecutive failure locks second-factor sign-in for LOGIN_LOCKOUT_SECONDS; each
 * later failure (one try per lock, once it ends) locks again for twice as long, up to LOGIN_LOCKOUT_MAX_SECONDS,
 * as the password lockout (LoginLockout) does.
 *
 * - Tries are counted before the code is checked: parallel guesses get at most the allowance (threshold, plus one
 *   per lock so far); a try past it is refused unchecked and locks.
 * - While locked no code is checked: the right code and a wrong one both answer RATE_LIMITED with retryAfter.
 * - Only second-factor sign-in (and TOTP re-authentication) is locked: the account's other ways in and its
 *   sessions are untouched.
 */
export class MfaLockout {
  constructor(
    private readonly kv: KvStore,
    private readonly limits: Readonly<Limits>,
    private readonly nowMs: () => number,
  ) {}

  private keys(userId: string) {
    return {
      consecutive: `mfa:{${userId}}:consecutive`,
      level: `mfa:{${userId}}:lock-level`,
      until: `mfa:{${userId}}:locked-until`,
      partial: `mfa:{${userId}}:first-factor-right`,
    };
  }

  /** The lock's length for its n-th repeat (1-based): LoginLockout's doubling. */
  lockSeconds(level: number): number {
    const { loginLockoutSeconds: base, loginLockoutMaxSeconds: max } = this.limits;
    return Math.min(max, base * 2 ** Math.min(Math.max(0, level - 1), 30));
  }

  private locked(untilMs: number): WardenError {
    return new WardenError('RATE_LIMITED', {
      message: 'Too many wrong codes. Try again later.',
      extensions: { retryAfter: Math.max(1, Math.ceil((untilMs - this.nowMs()) / 1000)) },
    });
  }

  /** Throws RATE_LIMITED while the user is locked; otherwise counts this try and returns its handle. */
  async begin(userId: string): Promise<MfaTry> {
    const keys = this.keys(userId);
    const until = await this.kv.get(keys.until);
    if (until !== null && Number(until) > this.nowMs()) throw this.locked(Number(until));
    const level = Number((await this.kv.get(keys.level)) ?? '0');
    const threshold = this.limits.mfaLockoutThreshold;
    const tried = await this.kv.increment(keys.consecutive, MFA_FAILURE_MEMORY_SECONDS);
    // Past the allowance only when tries raced the one that locks: refused unchecked, and locked.
    if (tried.value > threshold + level) throw this.locked((await this.lock(keys)).untilMs);
    return {
      consecutive: tried.value,
      failed: async () => (tried.value >= threshold ? { lockedLevel: (await this.lock(keys)).level } : { lockedLevel: null }),
    };
  }

  /**
   * Starts a lock one level up. Racing callers may each raise the level: each such caller also spent a try
   * beyond the allowance, so the allowance never grows faster than the tries spent (and the lock only lengthens).
   */
  private async lock(keys: ReturnType<MfaLockout['keys']>): Promise<{ level: number; untilMs: number }> {
    const { value: level } = await this.kv.increment(keys.level, MFA_FAILURE_MEMORY_SECONDS);
    const seconds = this.lockSeconds(level);
    const untilMs = this.nowMs() + seconds * 1000;
    await this.kv.set(keys.until, String(untilMs), seconds);
    return { level, untilMs };
  }

  /**
   * A wrong code on an MFA challenge, i.e. after a right first factor ("password right, code wrong"): answers how
   * many such events in a row, so that the caller mails the owner at the n-th.
   */
  async firstFactorRightCodeWrong(userId: string): Promise<number> {
    return (await this.kv.increment(this.keys(userId).partial, MFA_FAILURE_MEMORY_SECONDS)).value;
  }

  /** A second factor succeeded: forget failures, locks and their level. */
  async clear(userId: string): Promise<void> {
    const keys = this.keys(userId);
    await Promise.all([keys.consecutive, keys.level, keys.until, keys.partial].map((key) => this.kv.delete(key)));
  }
}
