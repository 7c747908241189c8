import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import type { KvStore } from './kv-store';
import { createCommandClient, type RedisTarget } from './redis-connection';
import { WardenError } from '../errors/warden-error';

/** One key per script (KEYS[1]), so on Redis Cluster it always runs on the key's own slot. */
const INCREMENT_SCRIPT = `
local v = redis.call('INCR', KEYS[1])
if v == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {v, ttl}
`;

/** DECR only a live positive counter: a key that expired meanwhile is not recreated without its window. */
const TAKE_BACK_SCRIPT = `
local v = tonumber(redis.call('GET', KEYS[1]) or '0')
if v and v > 0 then return redis.call('DECR', KEYS[1]) end
return 0
`;

type WithScripts = {
  wardenIncrement(key: string, ttlSeconds: number): Promise<[number, number]>;
  wardenTakeBack(key: string): Promise<number>;
};

/** A pipeline carries the defined scripts too; each call queues a command and returns the pipeline. */
interface ScriptPipeline {
  wardenIncrement(key: string, ttlSeconds: number): ScriptPipeline;
  exec(): Promise<[Error | null, unknown][] | null>;
}

export type RedisClient = (Redis | Cluster) & WithScripts;

export interface RedisKvStoreOptions extends Partial<RedisTarget> {
  url?: string | null;
  keyPrefix: string;
  /** How long one command may wait before the store counts as down. */
  commandTimeoutMs?: number;
}

/**
 * KvStore on Redis, or on a Redis Cluster (ioredis' Cluster client) when cluster nodes are given.
 * Every command touches one key. Fails fast (no offline queue): when Redis is down every call throws
 * SERVICE_UNAVAILABLE.
 */
export class RedisKvStore implements KvStore {
  readonly client: RedisClient;
  readonly target: RedisTarget;

  constructor(options: RedisKvStoreOptions) {
    this.target = { url: options.url ?? null, clusterNodes: options.clusterNodes ?? null, keyPrefix: options.keyPrefix };
    if (!this.target.url && !this.target.clusterNodes?.length) throw new TypeError('RedisKvStore needs a URL or cluster nodes');
    this.client = createCommandClient(this.target, options.commandTimeoutMs ?? 2000) as RedisClient;
    this.client.on('error', () => {
      /* reported per command as SERVICE_UNAVAILABLE; ioredis reconnects on its own */
    });
    this.client.defineCommand('wardenIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    this.client.defineCommand('wardenTakeBack', { numberOfKeys: 1, lua: TAKE_BACK_SCRIPT });
  }

  /** Connects and waits until Redis answers. */
  async connect(): Promise<void> {
    // ioredis rejects with "Connection is closed."; the socket's own error (ECONNREFUSED…) says why.
    let lastError: unknown = null;
    const remember = (error: unknown) => (lastError = error);
    this.client.on('error', remember);
    try {
      await this.client.connect();
    } catch (cause) {
      throw WardenError.unavailable('redis', lastError ?? cause);
    } finally {
      this.client.off('error', remember);
    }
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw WardenError.unavailable('redis', cause);
    }
  }

  get(key: string): Promise<string | null> {
    return this.run(() => this.client.get(key));
  }

  async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    await this.run(() => this.client.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds))));
  }

  async delete(key: string): Promise<void> {
    await this.run(() => this.client.del(key));
  }

  getAndDelete(key: string): Promise<string | null> {
    return this.run(() => this.client.getdel(key));
  }

  async increment(key: string, ttlSeconds: number): Promise<{ value: number; ttlSeconds: number }> {
    const [value, ttl] = await this.run(() => this.client.wardenIncrement(key, Math.max(1, Math.ceil(ttlSeconds))));
    return { value: Number(value), ttlSeconds: Number(ttl) };
  }

  async incrementMany(entries: readonly { key: string; ttlSeconds: number }[]): Promise<{ value: number; ttlSeconds: number }[]> {
    if (this.target.clusterNodes?.length || entries.length < 2) {
      // On a cluster the keys may live on different nodes: one command each, in parallel.
      return Promise.all(entries.map((e) => this.increment(e.key, e.ttlSeconds)));
    }
    // One server: one pipeline, so one write and one round trip for all of them.
    const replies = await this.run(() => {
      const pipeline = this.client.pipeline() as unknown as ScriptPipeline;
      for (const e of entries) pipeline.wardenIncrement(e.key, Math.max(1, Math.ceil(e.ttlSeconds)));
      return pipeline.exec();
    });
    return entries.map((_, i) => {
      const [error, reply] = replies?.[i] ?? [new Error('no reply'), null];
      if (error) throw WardenError.unavailable('redis', error);
      const [value, ttl] = reply as [number, number];
      return { value: Number(value), ttlSeconds: Number(ttl) };
    });
  }

  async takeBack(key: string): Promise<void> {
    await this.run(() => this.client.wardenTakeBack(key));
  }

  async ping(): Promise<void> {
    await this.run(() => this.client.ping());
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
