/**
 * Keeps "unknown account" answers as slow as real ones: real sends report how long they took
 * (moving average), and decoys wait about that long before answering.
 */
export class SendTiming {
  private averageMs: number;

  constructor(initialMs = 50, private readonly sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))) {
    this.averageMs = initialMs;
  }

  async measure<T>(fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await fn();
    this.averageMs = this.averageMs * 0.8 + (performance.now() - started) * 0.2;
    return result;
  }

  /** Waits about as long as a real send takes (±20 %). */
  imitate(): Promise<void> {
    return this.sleep(Math.max(0, this.averageMs * (0.8 + Math.random() * 0.4)));
  }
}
