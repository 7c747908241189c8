/** The small key-value port Warden keeps short-lived state in (attempt counters, cooldowns, limits, revocations). */
export interface KvStore {
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Atomically reads and removes a key: of racing callers exactly one gets the value. */
  getAndDelete(key: string): Promise<string | null>;
  /**
   * Atomically adds 1 and returns the new value. The first increment starts a ttlSeconds window;
   * later ones do not extend it. ttlSeconds in the result is what remains of the window.
   */
  increment(key: string, ttlSeconds: number): Promise<{ value: number; ttlSeconds: number }>;
  /**
   * increment() for several keys, in one round trip where the store allows it (one Redis server: one
   * pipeline; Redis Cluster: in parallel, the keys may live on different nodes). Each key is atomic on its
   * own; this is not a transaction across them. Results in the order of the entries.
   */
  incrementMany(entries: readonly { key: string; ttlSeconds: number }[]): Promise<{ value: number; ttlSeconds: number }[]>;
  /**
   * Takes back one increment of a counter still in its window: never below zero, never creates the key,
   * never extends its window.
   */
  takeBack(key: string): Promise<void>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
