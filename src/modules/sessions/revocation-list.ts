import type { KvStore } from '../../store/kv-store';
import type { PubSub, Subscription } from '../../store/pub-sub';

const CHANNEL = 'sessions.revoked';
/** Entries outlive the longest access token by this margin (clock differences between instances). */
const MARGIN_SECONDS = 60;

/**
 * Sessions whose access tokens must stop working before they expire.
 *
 * The store holds one key per revoked session (the truth). Each instance also keeps a local copy, fed by
 * a pub/sub channel, so checking a token costs no round trip. The local copy is trusted only while the
 * subscription is current (see Subscription.isCurrent: at most maxLagMs behind); otherwise every check
 * asks the store, and fails closed (SERVICE_UNAVAILABLE) when the store is down. Entries live as long as
 * the longest access token could, so both stay small.
 */
export class RevocationList {
  /** sessionId → when the entry may be forgotten (epoch ms). */
  private readonly local = new Map<string, number>();
  private subscription: Subscription | null = null;
  /** Other in-process caches kept current by this same channel: kind → listener (see onBroadcast). */
  private readonly listeners = new Map<string, (data: unknown) => void>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly kv: KvStore,
    private readonly pubsub: PubSub,
    private readonly accessTokenTtlSeconds: number,
  ) {
    this.sweeper = setInterval(() => this.sweep(), 60_000);
    this.sweeper.unref();
  }

  private get retainSeconds(): number {
    return this.accessTokenTtlSeconds + MARGIN_SECONDS;
  }

  private key(sessionId: string): string {
    return `revoked:{${sessionId}}`;
  }

  /** Subscribes (and replays what was revoked recently). Checks ask the store until this is current. */
  start(): Subscription {
    this.subscription ??= this.pubsub.subscribe(CHANNEL, (payload, publishedAtMs) => {
      let ids: unknown;
      try {
        ids = JSON.parse(payload);
      } catch {
        return;
      }
      if (Array.isArray(ids))
        this.remember(
          ids.filter((id): id is string => typeof id === 'string'),
          publishedAtMs,
        );
      else if (ids && typeof ids === 'object' && typeof (ids as { kind?: unknown }).kind === 'string') {
        const { kind, data } = ids as { kind: string; data: unknown };
        this.listeners.get(kind)?.(data);
      }
    });
    return this.subscription;
  }

  private remember(sessionIds: readonly string[], revokedAtMs: number): void {
    const forgetAtMs = revokedAtMs + this.retainSeconds * 1000;
    for (const id of sessionIds) if ((this.local.get(id) ?? 0) < forgetAtMs) this.local.set(id, forgetAtMs);
  }

  // Wall clock on purpose (not the kernel's clock): entries are compared with the pub/sub's publish times.
  private sweep(): void {
    const now = Date.now();
    for (const [id, forgetAtMs] of this.local) if (forgetAtMs <= now) this.local.delete(id);
  }

  /** Writes the store first (the truth every instance can read), then tells every instance. */
  async revoke(sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    await Promise.all(sessionIds.map((id) => this.kv.set(this.key(id), '1', this.retainSeconds)));
    this.remember(sessionIds, Date.now());
    await this.pubsub.publish(CHANNEL, JSON.stringify(sessionIds), this.retainSeconds);
  }

  /** Answered from the local copy when it is current; null when the store must be asked. */
  isRevokedLocally(sessionId: string): boolean | null {
    if (!this.subscription?.isCurrent()) return null;
    return (this.local.get(sessionId) ?? 0) > Date.now();
  }

  async isRevoked(sessionId: string): Promise<boolean> {
    return this.isRevokedLocally(sessionId) ?? (await this.kv.get(this.key(sessionId))) !== null;
  }

  /**
   * The same channel carries other invalidations (e.g. profiles changed), so that one subscription and one
   * proof of currency serve every cache: `{ kind, data }` messages go to the listener of that kind.
   * Caches built on it trust themselves only while isCurrent() and drop entries of an older generation().
   */
  onBroadcast(kind: string, listener: (data: unknown) => void): void {
    this.listeners.set(kind, listener);
  }

  /** Publishes `{ kind, data }` to every instance (this one included). Throws SERVICE_UNAVAILABLE when the store is down. */
  async broadcast(kind: string, data: unknown, retainSeconds: number): Promise<void> {
    await this.pubsub.publish(CHANNEL, JSON.stringify({ kind, data }), retainSeconds);
  }

  /** Whether the channel is provably current right now (false before start()). */
  isCurrent(): boolean {
    return this.subscription?.isCurrent() ?? false;
  }

  /** Changes whenever the channel becomes current again after a cut (see Subscription.generation). */
  generation(): number {
    return this.subscription?.generation() ?? 0;
  }

  /** Whether checks are answered locally right now (for /metrics and tests). */
  get isLocal(): boolean {
    return this.subscription?.isCurrent() ?? false;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    await this.subscription?.close();
  }
}
