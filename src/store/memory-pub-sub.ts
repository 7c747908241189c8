import type { PubSub, Subscription } from './pub-sub';

interface Retained {
  payload: string;
  publishedAtMs: number;
  expiresAtMs: number;
}

/** In-process PubSub for the embedded store: one instance, nothing to lose, always current. */
export class MemoryPubSub implements PubSub {
  private readonly handlers = new Map<string, Set<(payload: string, publishedAtMs: number) => void>>();
  private readonly retained = new Map<string, Retained[]>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  async publish(channel: string, payload: string, retainSeconds: number): Promise<void> {
    const now = this.nowMs();
    const kept = (this.retained.get(channel) ?? []).filter((m) => m.expiresAtMs > now);
    kept.push({ payload, publishedAtMs: now, expiresAtMs: now + retainSeconds * 1000 });
    this.retained.set(channel, kept);
    for (const handler of this.handlers.get(channel) ?? []) handler(payload, now);
  }

  subscribe(channel: string, onMessage: (payload: string, publishedAtMs: number) => void): Subscription {
    const now = this.nowMs();
    for (const m of this.retained.get(channel) ?? []) if (m.expiresAtMs > now) onMessage(m.payload, m.publishedAtMs);
    const set = this.handlers.get(channel) ?? new Set();
    set.add(onMessage);
    this.handlers.set(channel, set);
    let open = true;
    return {
      isCurrent: () => open,
      generation: () => 1,
      ready: async () => undefined,
      close: async () => {
        open = false;
        set.delete(onMessage);
      },
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.retained.clear();
  }
}
