import { randomUUID } from 'node:crypto';
import net, { type Socket } from 'node:net';
import { RedisKvStore } from './redis-kv-store';

const redisUrl = process.env.REDIS_URL;
const run = redisUrl ? describe : describe.skip;

run(`RedisKvStore on one server${redisUrl ? '' : ' (requires REDIS_URL; not set)'}`, () => {
  let store: RedisKvStore;
  beforeAll(async () => {
    store = new RedisKvStore({ url: redisUrl!, keyPrefix: `kv-writes:${randomUUID()}:` });
    await store.connect();
    await store.increment('warm', 60); // loads the increment script, so what follows is EVALSHA only
  });
  afterAll(() => store.close());

  /** Socket writes made while fn runs. */
  async function writesDuring(fn: () => Promise<unknown>): Promise<number> {
    const stream = (store.client as unknown as { stream: Socket }).stream;
    const original = stream.write;
    let writes = 0;
    stream.write = function (this: Socket, ...args: Parameters<Socket['write']>) {
      writes += 1;
      return original.apply(this, args);
    } as Socket['write'];
    try {
      await fn();
    } finally {
      stream.write = original;
    }
    return writes;
  }

  test('incrementMany sends its increments in one write; increments one after another take one write each', async () => {
    const together = await writesDuring(() =>
      store.incrementMany([
        { key: 'a', ttlSeconds: 60 },
        { key: 'b', ttlSeconds: 60 },
      ]),
    );
    expect(together).toBe(1);
    const oneByOne = await writesDuring(async () => {
      await store.increment('a', 60);
      await store.increment('b', 60);
    });
    expect(oneByOne).toBe(2);
    expect(await store.get('a')).toBe('2');
  });

  test('with Redis out of reach, incrementMany and takeBack answer SERVICE_UNAVAILABLE (redis)', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r())); // nothing listens there now
    const away = new RedisKvStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'away:' });
    try {
      for (const call of [
        () =>
          away.incrementMany([
            { key: 'a', ttlSeconds: 60 },
            { key: 'b', ttlSeconds: 60 },
          ]),
        () => away.takeBack('a'),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', extensions: { dependency: 'redis' } });
      }
    } finally {
      await away.close();
    }
  });
});
