import { randomUUID } from 'node:crypto';
import type { KvStore } from './kv-store';
import { MemoryKvStore } from './memory-kv-store';
import { RedisKvStore } from './redis-kv-store';

const redisUrl = process.env.REDIS_URL;

const adapters: [string, () => Promise<KvStore>][] = [
  ['MemoryKvStore', async () => new MemoryKvStore()],
  [
    redisUrl ? 'RedisKvStore' : 'RedisKvStore (requires REDIS_URL; not set)',
    async () => {
      const store = new RedisKvStore({ url: redisUrl!, keyPrefix: `contract:${randomUUID()}:` });
      await store.connect();
      return store;
    },
  ],
];

describe.each(adapters)('KvStore contract: %s', (name, make) => {
  const run = name.includes('not set') ? describe.skip : describe;
  run('behaviour', () => {
    let store: KvStore;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(() => store.close());

    test('set, get, delete', async () => {
      await store.set('a', '1', 60);
      expect(await store.get('a')).toBe('1');
      await store.delete('a');
      expect(await store.get('a')).toBeNull();
    });

    test('values expire after ttlSeconds', async () => {
      await store.set('short', 'x', 1);
      expect(await store.get('short')).toBe('x');
      await new Promise((r) => setTimeout(r, 1100));
      expect(await store.get('short')).toBeNull();
    });

    test('getAndDelete: of 20 racing callers exactly one gets the value', async () => {
      await store.set('once', 'v', 60);
      const results = await Promise.all(Array.from({ length: 20 }, () => store.getAndDelete('once')));
      expect(results.filter((r) => r === 'v')).toHaveLength(1);
    });

    test('increment counts atomically, starts a window on first use and does not extend it', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => store.increment('counter', 30)));
      expect(results.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(results.every((r) => r.ttlSeconds > 0 && r.ttlSeconds <= 30)).toBe(true);
      const first = await store.increment('window', 1);
      expect(first).toEqual({ value: 1, ttlSeconds: 1 });
      await new Promise((r) => setTimeout(r, 1100));
      expect((await store.increment('window', 1)).value).toBe(1);
    });

    test('incrementMany: each key counted as increment() counts it, results in order', async () => {
      await store.increment('many-b', 30);
      const results = await store.incrementMany([
        { key: 'many-a', ttlSeconds: 30 },
        { key: 'many-b', ttlSeconds: 30 },
      ]);
      expect(results.map((r) => r.value)).toEqual([1, 2]);
      expect(results.every((r) => r.ttlSeconds > 0 && r.ttlSeconds <= 30)).toBe(true);
      expect(await store.incrementMany([])).toEqual([]);
    });

    test('takeBack takes one increment back within the window, never below zero, never recreating a counter', async () => {
      await store.increment('back', 30);
      await store.increment('back', 30);
      await store.takeBack('back');
      expect(await store.get('back')).toBe('1');
      // The window is kept: the next increment counts on in the first one's window.
      const next = await store.increment('back', 300);
      expect(next.value).toBe(2);
      expect(next.ttlSeconds).toBeLessThanOrEqual(30);
      await store.increment('floor', 30);
      await store.takeBack('floor');
      await store.takeBack('floor');
      expect(await store.get('floor')).toBe('0');
      await store.takeBack('never-counted');
      expect(await store.get('never-counted')).toBeNull();
    });

    test('ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
});
