import type { KvStore } from '../../store/kv-store';
import type { PubSub, Subscription } from '../../store/pub-sub';

const CHANNEL = 'sessions.revoked';
const CLAIMS_KIND = 'claims.changed';

/**
 * A membership change (contract, "Token claims and stale claims"): access tokens of `userId` whose org_id is
 * `organizationId` are refused with CLAIMS_CHANGED when issued before `atS` (the change, epoch seconds), or up to
 * `publishedS` (its COMMIT was published) without the new claims (`role` and `scope`; null: no membership).
 * Second precision is what `iat` gives; comparing the claims decides the seconds around the change.
 */
export interface ClaimsChange {
  userId: string;
  organizationId: string;
  atS: number;
  publishedS: number;
  role: string | null;
  /** Space-separated, sorted; null with role null. */
  scope: string | null;
}

/** The organization claims of a token, as the check needs them. */
export interface TokenOrganizationClaims {
  userId: string;
  issuedAtS: number;
  organization?: { id: string; role: string; scope: string };
}
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
  /** `${userId} ${organizationId}` → the latest claims change and when it may be forgotten (epoch ms). */
  private readonly claims = new Map<string, ClaimsChange & { forgetAtMs: number }>();
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
        if (kind === CLAIMS_KIND) this.rememberClaims(Array.isArray(data) ? data.filter(isClaimsChange) : [], publishedAtMs);
        else this.listeners.get(kind)?.(data);
      }
    });
    return this.subscription;
  }

  private remember(sessionIds: readonly string[], revokedAtMs: number): void {
    const forgetAtMs = revokedAtMs + this.retainSeconds * 1000;
    for (const id of sessionIds) if ((this.local.get(id) ?? 0) < forgetAtMs) this.local.set(id, forgetAtMs);
  }

  private rememberClaims(changes: readonly ClaimsChange[], publishedAtMs: number): void {
    const forgetAtMs = publishedAtMs + this.retainSeconds * 1000;
    for (const change of changes) {
      const key = `${change.userId} ${change.organizationId}`;
      const known = this.claims.get(key);
      if (!known || known.publishedS <= change.publishedS) this.claims.set(key, { ...change, forgetAtMs });
    }
  }

  // Wall clock on purpose (not the kernel's clock): entries are compared with the pub/sub's publish times.
  private sweep(): void {
    const now = Date.now();
    for (const [id, forgetAtMs] of this.local) if (forgetAtMs <= now) this.local.delete(id);
    for (const [key, change] of this.claims) if (change.forgetAtMs <= now) this.claims.delete(key);
  }

  private claimsKey(userId: string, organizationId: string): string {
    return `claims:{${userId}}:${organizationId}`;
  }

  /**
   * Membership changes: writes each to the store (the truth), then tells every instance (the same channel as
   * revocations). Called after COMMIT of the change. Throws SERVICE_UNAVAILABLE when the store is down.
   */
  async claimsChanged(changes: readonly ClaimsChange[]): Promise<void> {
    if (changes.length === 0) return;
    await Promise.all(changes.map((c) => this.kv.set(this.claimsKey(c.userId, c.organizationId), JSON.stringify(c), this.retainSeconds)));
    this.rememberClaims(changes, Date.now());
    await this.pubsub.publish(CHANNEL, JSON.stringify({ kind: CLAIMS_KIND, data: changes }), this.retainSeconds);
  }

  /** Whether a token's organization claims went stale; null when the store must be asked (the channel is not current). */
  claimsStaleLocally(token: TokenOrganizationClaims): boolean | null {
    if (!token.organization) return false;
    if (!this.subscription?.isCurrent()) return null;
    const change = this.claims.get(`${token.userId} ${token.organization.id}`);
    return change !== undefined && change.forgetAtMs > Date.now() && isStale(token, change);
  }

  async claimsStale(token: TokenOrganizationClaims): Promise<boolean> {
    const local = this.claimsStaleLocally(token);
    if (local !== null) return local;
    const raw = await this.kv.get(this.claimsKey(token.userId, token.organization!.id));
    if (raw === null) return false;
    let change: unknown;
    try {
      change = JSON.parse(raw);
    } catch {
      return true;
    }
    return !isClaimsChange(change) || isStale(token, change);
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

function isClaimsChange(value: unknown): value is ClaimsChange {
  const c = value as ClaimsChange | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.userId === 'string' &&
    typeof c.organizationId === 'string' &&
    typeof c.atS === 'number' &&
    typeof c.publishedS === 'number' &&
    (c.role === null || typeof c.role === 'string') &&
    (c.scope === null || typeof c.scope === 'string')
  );
}

/** Issued before the change's second, or until it was published without the new claims. */
function isStale(token: TokenOrganizationClaims, change: ClaimsChange): boolean {
  if (token.issuedAtS < change.atS) return true;
  if (token.issuedAtS > change.publishedS) return false;
  return token.organization?.role !== change.role || token.organization?.scope !== change.scope;
}
