import { LRUCache } from 'lru-cache';
import type { UserType } from './user.type';
import type { OrganizationType } from '../organizations/organization.type';

/**
 * The channel the cache listens on: the revocation list's (src/modules/sessions/revocation-list.ts), so one
 * subscription and one proof of currency serve both. Declared here as a port so users/ does not import sessions/.
 */
export interface InvalidationChannel {
  onBroadcast(kind: string, listener: (data: unknown) => void): void;
  broadcast(kind: string, data: unknown, retainSeconds: number): Promise<void>;
  isCurrent(): boolean;
  generation(): number;
}

/** What changed: users (their row, including organization membership) and organizations, by id. */
export interface ProfilesChanged {
  users?: readonly string[];
  organizations?: readonly string[];
}

/** Taken before a database read; a result is cached only if nothing about it changed since. */
export interface FillStamp {
  generation: number;
  seq: number;
}

interface Entry<T> {
  value: T;
  generation: number;
}

const KIND = 'profiles.changed';
/** Invalidations are retained briefly only: a subscriber that was cut off drops everything anyway (generation). */
const RETAIN_SECONDS = 1;
/** How many recent invalidations are remembered for fills in flight; beyond that, fills in flight are not cached. */
const RECENT_MAX = 4096;

/**
 * Users and organizations in memory, for viewer's profile fields without a database read per request.
 *
 * Trusted only while the invalidation channel is provably current (the same check as the local revocation
 * list: subscribed, replayed, heartbeat answered within REVOCATION_MAX_LAG_MS) and only for entries filled
 * in the channel's current generation, so nothing read before a cut survives it. Otherwise every read goes
 * to PostgreSQL. Every write to a user or organization calls `UsersService.usersChanged(em, …)`, which, after
 * COMMIT, drops the entries here at once and publishes the ids to every instance. A read that started before
 * an invalidation and finished after it is not cached (FillStamp). Entries also expire after
 * PROFILE_CACHE_TTL_SECONDS, a bound on staleness should a publish ever fail after a commit.
 */
export class ProfileCache {
  private readonly users: LRUCache<string, Entry<UserType>>;
  private readonly organizations: LRUCache<string, Entry<OrganizationType>>;
  /** Invalidations received so far (a sequence number). */
  private seq = 0;
  /** `u:<id>` / `o:<id>` → seq of its last invalidation. */
  private readonly recent: LRUCache<string, number>;
  /** The highest seq forgotten by `recent`: a fill older than this cannot tell, so it is not cached. */
  private forgottenSeq = 0;

  constructor(
    private readonly channel: InvalidationChannel,
    private readonly options: { maxEntries: number; ttlSeconds: number; onPublishError?: (error: unknown) => void },
  ) {
    const max = Math.max(1, options.maxEntries);
    const ttl = options.ttlSeconds * 1000;
    this.users = new LRUCache({ max, ttl });
    this.organizations = new LRUCache({ max, ttl });
    this.recent = new LRUCache({
      max: RECENT_MAX,
      dispose: (seq, _key, reason) => {
        if (reason === 'evict' && seq > this.forgottenSeq) this.forgottenSeq = seq;
      },
    });
    channel.onBroadcast(KIND, (data) => this.invalidate(parse(data)));
  }

  private get enabled(): boolean {
    return this.options.maxEntries > 0;
  }

  /** The cached user, or undefined when not cached or not trustworthy right now. Synchronous, no I/O. */
  user(id: string): UserType | undefined {
    return this.read(this.users, id);
  }

  organization(id: string): OrganizationType | undefined {
    return this.read(this.organizations, id);
  }

  private read<T>(cache: LRUCache<string, Entry<T>>, id: string): T | undefined {
    if (!this.enabled || !this.channel.isCurrent()) return undefined;
    const entry = cache.get(id);
    return entry && entry.generation === this.channel.generation() ? entry.value : undefined;
  }

  /** Call before reading from PostgreSQL; pass the result to fillUsers / fillOrganizations with it. */
  stamp(): FillStamp {
    return { generation: this.channel.generation(), seq: this.seq };
  }

  fillUsers(rows: readonly UserType[], stamp: FillStamp): void {
    this.fill(this.users, 'u:', rows, stamp);
  }

  fillOrganizations(rows: readonly OrganizationType[], stamp: FillStamp): void {
    this.fill(this.organizations, 'o:', rows, stamp);
  }

  private fill<T extends { id: string }>(cache: LRUCache<string, Entry<T>>, tag: string, rows: readonly T[], stamp: FillStamp): void {
    if (!this.enabled || stamp.generation !== this.channel.generation() || !this.channel.isCurrent()) return;
    const changedDuringRead = this.seq !== stamp.seq;
    if (changedDuringRead && this.forgottenSeq > stamp.seq) return;
    for (const row of rows) {
      if (changedDuringRead && (this.recent.get(tag + row.id) ?? 0) > stamp.seq) continue;
      cache.set(row.id, { value: Object.freeze({ ...row }), generation: stamp.generation });
    }
  }

  /** Drops the entries on this instance, at once. */
  invalidate(changed: ProfilesChanged): void {
    this.seq += 1;
    for (const id of changed.users ?? []) {
      this.users.delete(id);
      this.recent.set(`u:${id}`, this.seq);
    }
    for (const id of changed.organizations ?? []) {
      this.organizations.delete(id);
      this.recent.set(`o:${id}`, this.seq);
    }
  }

  /**
   * Drops the entries here and tells every instance. Call after COMMIT (UsersService.usersChanged does).
   * Never throws: a publish that fails is reported to onPublishError, and the other instances' entries expire
   * within PROFILE_CACHE_TTL_SECONDS (a Redis outage also cuts their subscriptions, which drops their caches).
   */
  async changed(changed: ProfilesChanged): Promise<void> {
    const users = [...new Set(changed.users ?? [])];
    const organizations = [...new Set(changed.organizations ?? [])];
    if (users.length === 0 && organizations.length === 0) return;
    this.invalidate({ users, organizations });
    try {
      await this.channel.broadcast(KIND, { users, organizations }, RETAIN_SECONDS);
    } catch (error) {
      this.options.onPublishError?.(error);
    }
  }

  /** Entries held (for tests and metrics). */
  get size(): { users: number; organizations: number } {
    return { users: this.users.size, organizations: this.organizations.size };
  }
}

function parse(data: unknown): ProfilesChanged {
  const ids = (value: unknown) => (Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : []);
  const object = (data ?? {}) as { users?: unknown; organizations?: unknown };
  return { users: ids(object.users), organizations: ids(object.organizations) };
}
