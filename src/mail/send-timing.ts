import { WardenError } from '../errors/warden-error';

/**
 * Makes "unknown account" answers look like real ones, for the flows that mail only known accounts
 * (passwordless email codes, magic links, password resets):
 *
 * - Time: a real request reports how long its whole work took (database writes and the hand-over to
 *   SMTP) under a kind such as "magic-link"; a decoy of that kind waits about that long (moving average,
 *   ±20 %) while doing its own, smaller work. Kinds are kept apart because their work differs.
 * - Failure: while SMTP refuses real sends, real requests answer SERVICE_UNAVAILABLE, so decoys do too.
 *   Otherwise an outage (or a relay refusing one address) would tell known emails from unknown ones.
 *   The next real send that gets through clears it.
 */
export class SendTiming {
  private readonly averagesMs = new Map<string, number>();
  private mailRefusing = false;

  constructor(
    private readonly initialMs = 50,
    private readonly sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    private readonly clockMs = () => performance.now(),
    private readonly random = Math.random,
  ) {}

  /** Runs a real request's work and records how long it took (when it succeeds) or that SMTP refused it. */
  async measure<T>(kind: string, fn: () => Promise<T>): Promise<T> {
    const started = this.clockMs();
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      if (error instanceof WardenError && error.code === 'SERVICE_UNAVAILABLE' && error.extensions.dependency === 'smtp') this.mailRefusing = true;
      throw error;
    }
    this.mailRefusing = false;
    const tookMs = this.clockMs() - started;
    const previous = this.averagesMs.get(kind);
    this.averagesMs.set(kind, previous === undefined ? tookMs : previous * 0.8 + tookMs * 0.2);
    return result;
  }

  /** The current estimate for a kind, in milliseconds. */
  averageMs(kind: string): number {
    return this.averagesMs.get(kind) ?? this.initialMs;
  }

  /** Waits about as long as a real request of this kind takes (±20 %). */
  imitate(kind: string): Promise<void> {
    return this.sleep(Math.max(0, this.averageMs(kind) * (0.8 + this.random() * 0.4)));
  }

  /** Stands in for a real send inside a decoy's operation: waits as long, and fails as it would while SMTP refuses. */
  async imitateSend(kind: string): Promise<void> {
    await this.imitate(kind);
    if (this.mailRefusing) throw WardenError.unavailable('smtp', new Error('decoy: answering as real requests do while SMTP refuses mail'));
  }

  /**
   * Runs a decoy's own work and answers no sooner than a real request of this kind would; while SMTP is
   * refusing real sends, does no work and fails as they do.
   */
  async pad<T>(kind: string, fn: () => Promise<T>): Promise<T> {
    if (this.mailRefusing) {
      await this.imitate(kind);
      throw WardenError.unavailable('smtp', new Error('decoy: answering as real requests do while SMTP refuses mail'));
    }
    const [result] = await Promise.all([fn(), this.imitate(kind)]);
    return result;
  }
}
