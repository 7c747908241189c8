import type { KvStore } from './kv-store';

interface Entry {
  value: string;
  expiresAtMs: number;
}

/** In-process KvStore for embedded development and single-instance use. Same semantics as Redis. */
export class MemoryKvStore implements KvStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly nowMs: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), 30_000);
    this.sweeper.unref();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAtMs <= this.nowMs()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.nowMs();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value, expiresAtMs: this.nowMs() + ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async getAndDelete(key: string): Promise<string | null> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async increment(key: string, ttlSeconds: number): Promise<{ value: number; ttlSeconds: number }> {
    const entry = this.live(key);
    if (!entry) {
      this.entries.set(key, { value: '1', expiresAtMs: this.nowMs() + ttlSeconds * 1000 });
      return { value: 1, ttlSeconds };
    }
    const value = Number(entry.value) + 1;
    entry.value = String(value);
    return { value, ttlSeconds: Math.max(1, Math.ceil((entry.expiresAtMs - this.nowMs()) / 1000)) };
  }

  async incrementMany(entries: readonly { key: string; ttlSeconds: number }[]): Promise<{ value: number; ttlSeconds: number }[]> {
    const results: { value: number; ttlSeconds: number }[] = [];
    for (const { key, ttlSeconds } of entries) results.push(await this.increment(key, ttlSeconds));
    return results;
  }

  async takeBack(key: string): Promise<void> {
    const entry = this.live(key);
    if (entry && Number(entry.value) > 0) entry.value = String(Number(entry.value) - 1);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }
}
