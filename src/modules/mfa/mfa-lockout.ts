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

/** The user's lock as begin() needs it: its end (0 when never locked) and the locks so far. */
export interface MfaLockState {
  readonly level: number;
  readonly untilMs: number;
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
      /** The locks so far: a counter, so that racing locks each raise it atomically. */
      level: `mfa:{${userId}}:lock-level`,
      /** "<level>:<untilMs>", written by each lock: what begin() reads, in one GET. */
      lock: `mfa:{${userId}}:lock`,
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

  /** The user's lock (one GET): the caller may read it alongside its own calls and hand it to begin(). */
  async state(userId: string): Promise<MfaLockState> {
    const [level, untilMs] = ((await this.kv.get(this.keys(userId).lock)) ?? '0:0').split(':').map(Number);
    return { level: level || 0, untilMs: untilMs || 0 };
  }

  /** Throws RATE_LIMITED while the user is locked; otherwise counts this try and returns its handle. */
  async begin(userId: string, state?: MfaLockState): Promise<MfaTry> {
    const keys = this.keys(userId);
    const { level, untilMs } = state ?? (await this.state(userId));
    if (untilMs > this.nowMs()) throw this.locked(untilMs);
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
   * The record begin() reads carries the level counter's value: a racing lock that raised the counter and wrote
   * its record before this one is not undone (this record is written again with the counter's level).
   */
  private async lock(keys: ReturnType<MfaLockout['keys']>): Promise<{ level: number; untilMs: number }> {
    const raised = await this.kv.increment(keys.level, MFA_FAILURE_MEMORY_SECONDS);
    const seconds = this.lockSeconds(raised.value);
    const untilMs = this.nowMs() + seconds * 1000;
    // Kept as long as the level counter is (the lock itself may outlast it): a lock long over still sets the allowance.
    const ttlSeconds = Math.max(raised.ttlSeconds, seconds);
    for (let written = raised.value; ;) {
      await this.kv.set(keys.lock, `${written}:${untilMs}`, ttlSeconds);
      const current = Number((await this.kv.get(keys.level)) ?? '0');
      if (current === written) break;
      written = current;
    }
    return { level: raised.value, untilMs };
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
    await Promise.all([keys.consecutive, keys.level, keys.lock, keys.partial].map((key) => this.kv.delete(key)));
  }
}
