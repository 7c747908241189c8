import { randomUUID } from 'node:crypto';
import type { PubSub } from './pub-sub';
import { MemoryPubSub } from './memory-pub-sub';
import { RedisPubSub } from './redis-pub-sub';
import { RedisKvStore } from './redis-kv-store';

const redisUrl = process.env.REDIS_URL;

interface Pair {
  /** Two instances of one deployment (for the in-process adapter, the same one). */
  a: PubSub;
  b: PubSub;
  /** Another deployment on the same store (another key prefix). */
  other: PubSub;
  close(): Promise<void>;
}

async function redisPair(): Promise<Pair> {
  const prefix = `contract:${randomUUID()}:`;
  const stores: RedisKvStore[] = [];
  const make = async (keyPrefix: string) => {
    const store = new RedisKvStore({ url: redisUrl!, keyPrefix });
    await store.connect();
    stores.push(store);
    return new RedisPubSub({ commands: store.client, target: store.target, maxLagMs: 500 });
  };
  const [a, b, other] = [await make(prefix), await make(prefix), await make(`contract:${randomUUID()}:`)];
  return {
    a,
    b,
    other,
    async close() {
      await Promise.all([a.close(), b.close(), other.close()]);
      await Promise.all(stores.map((s) => s.close()));
    },
  };
}

const adapters: [string, () => Promise<Pair>][] = [
  [
    'MemoryPubSub',
    async () => {
      const one = new MemoryPubSub();
      const other = new MemoryPubSub();
      return { a: one, b: one, other, close: async () => void (await Promise.all([one.close(), other.close()])) };
    },
  ],
  [redisUrl ? 'RedisPubSub' : 'RedisPubSub (requires REDIS_URL; not set)', redisPair],
];

const until = async (check: () => boolean, timeoutMs = 3000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe.each(adapters)('PubSub contract: %s', (name, make) => {
  const run = name.includes('not set') ? describe.skip : describe;
  run('behaviour', () => {
    let pair: Pair;
    beforeEach(async () => {
      pair = await make();
    });
    afterEach(() => pair.close());

    test('a message published by one instance reaches a subscriber of another, with when it was published', async () => {
      const got: [string, number][] = [];
      const sub = pair.b.subscribe('ch', (payload, at) => got.push([payload, at]));
      await sub.ready();
      expect(sub.isCurrent()).toBe(true);
      const before = Date.now();
      await pair.a.publish('ch', 'hello', 60);
      await until(() => got.length > 0);
      expect(got[0]![0]).toBe('hello');
      expect(got[0]![1]).toBeGreaterThanOrEqual(before - 5);
      expect(got[0]![1]).toBeLessThanOrEqual(Date.now());
      await sub.close();
      expect(sub.isCurrent()).toBe(false);
    });

    test('a subscriber that arrives later replays what is still retained, and not what has expired', async () => {
      await pair.a.publish('late', 'short-lived', 1);
      await pair.a.publish('late', 'kept', 60);
      await new Promise((r) => setTimeout(r, 1100));
      const got: string[] = [];
      const sub = pair.b.subscribe('late', (payload) => got.push(payload));
      await sub.ready();
      expect(got).toEqual(['kept']);
      await sub.close();
    });

    test('payloads arrive unchanged, separators and unicode included', async () => {
      const got: string[] = [];
      const sub = pair.b.subscribe('raw', (payload) => got.push(payload));
      await sub.ready();
      const payload = JSON.stringify(['a|b|c', 'ünïcødé', '']);
      await pair.a.publish('raw', payload, 60);
      await until(() => got.length > 0);
      expect(got).toEqual([payload]);
      await sub.close();
    });

    test('another deployment on the same store hears nothing', async () => {
      const got: string[] = [];
      const sub = pair.other.subscribe('ch', (payload) => got.push(payload));
      await sub.ready();
      const mine: string[] = [];
      const own = pair.b.subscribe('ch', (payload) => mine.push(payload));
      await own.ready();
      await pair.a.publish('ch', 'private', 60);
      await until(() => mine.length > 0);
      expect(got).toEqual([]);
      await Promise.all([sub.close(), own.close()]);
    });
  });
});
