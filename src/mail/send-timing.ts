/**
 * Keeps "unknown account" answers about as slow as real ones. A real request reports how long its
 * whole work took (database writes and the hand-over to SMTP) under a kind such as "magic-link";
 * a decoy for the same kind waits about that long (moving average, ±20 %) while doing its own work.
 * Kinds are kept apart because a password-reset mail and a sign-in code do different work.
 */
export class SendTiming {
  private readonly averagesMs = new Map<string, number>();

  constructor(
    private readonly initialMs = 50,
    private readonly sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    private readonly clockMs = () => performance.now(),
    private readonly random = Math.random,
  ) {}

  /** Runs a real request's work and records how long it took (only when it succeeds). */
  async measure<T>(kind: string, fn: () => Promise<T>): Promise<T> {
    const started = this.clockMs();
    const result = await fn();
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

  /** Runs a decoy's own work and answers no sooner than a real request of this kind would. */
  async pad<T>(kind: string, fn: () => Promise<T>): Promise<T> {
    const [result] = await Promise.all([fn(), this.imitate(kind)]);
    return result;
  }
}
