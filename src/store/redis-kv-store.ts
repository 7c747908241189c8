import Redis from 'ioredis';
import type { KvStore } from './kv-store';
import { WardenError } from '../errors/warden-error';

const INCREMENT_SCRIPT = `
local v = redis.call('INCR', KEYS[1])
if v == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('TTL', KEYS[1])
if ttl < 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {v, ttl}
`;

type RedisWithScripts = Redis & {
  wardenIncrement(key: string, ttlSeconds: number): Promise<[number, number]>;
};

export interface RedisKvStoreOptions {
  url: string;
  keyPrefix: string;
  /** How long one command may wait before the store counts as down. */
  commandTimeoutMs?: number;
}

/** KvStore on Redis. Fails fast (no offline queue): when Redis is down every call throws SERVICE_UNAVAILABLE. */
export class RedisKvStore implements KvStore {
  readonly client: RedisWithScripts;

  constructor(options: RedisKvStoreOptions) {
    this.client = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      connectTimeout: 2000,
      lazyConnect: true,
      retryStrategy: (times) => Math.min(50 * times, 1000),
    }) as RedisWithScripts;
    this.client.on('error', () => {
      /* reported per command as SERVICE_UNAVAILABLE; ioredis reconnects on its own */
    });
    this.client.defineCommand('wardenIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
  }

  /** Connects and waits until Redis answers. */
  async connect(): Promise<void> {
    try {
      await this.client.connect();
    } catch (cause) {
      throw WardenError.unavailable('redis', cause);
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

  async ping(): Promise<void> {
    await this.run(() => this.client.ping());
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
