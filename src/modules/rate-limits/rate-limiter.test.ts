import { MemoryKvStore } from '../../store/memory-kv-store';
import type { KvStore } from '../../store/kv-store';
import { WardenError } from '../../errors/warden-error';
import { ipBucket, RateLimiter } from './rate-limiter';

const key = Buffer.from('k'.repeat(32));

function clock(startMs = 1_700_000_000_000) {
  let nowMs = startMs;
  return { now: () => nowMs, advance: (seconds: number) => (nowMs += seconds * 1000) };
}

async function rejection(promise: Promise<unknown>): Promise<WardenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WardenError) return error;
    throw error;
  }
  throw new Error('expected a WardenError');
}

describe('RateLimiter (fixed window over KvStore.increment)', () => {
  test('allows `limit` events per window, then RATE_LIMITED with the rest of the window as retryAfter', async () => {
    const c = clock();
    const limiter = new RateLimiter(new MemoryKvStore(c.now), key);
    const rule = { name: 'test', limit: 3, windowSeconds: 60 };
    expect(await limiter.consume(rule, 'a')).toEqual({ count: 1, remaining: 2, resetSeconds: 60 });
    c.advance(10);
    expect((await limiter.consume(rule, 'a')).remaining).toBe(1);
    expect((await limiter.consume(rule, 'a')).remaining).toBe(0);
    c.advance(5);
    const refused = await rejection(limiter.consume(rule, 'a'));
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.extensions.retryAfter).toBe(45);
    // Refusals do not extend the window.
    c.advance(44);
    expect((await rejection(limiter.consume(rule, 'a'))).extensions.retryAfter).toBe(1);
    c.advance(1);
    expect((await limiter.consume(rule, 'a')).count).toBe(1);
  });

  test('subjects and rule names are counted apart', async () => {
    const limiter = new RateLimiter(new MemoryKvStore(), key);
    const one = { name: 'one', limit: 1, windowSeconds: 60 };
    const two = { name: 'two', limit: 1, windowSeconds: 60 };
    await limiter.consume(one, 'a');
    await limiter.consume(one, 'b');
    await limiter.consume(two, 'a');
    expect((await rejection(limiter.consume(one, 'a'))).code).toBe('RATE_LIMITED');
  });

  test('parallel events never exceed the limit', async () => {
    const limiter = new RateLimiter(new MemoryKvStore(), key);
    const rule = { name: 'burst', limit: 5, windowSeconds: 60 };
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => limiter.consume(rule, 'x')));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
  });

  test('keys are hash-tagged for Redis Cluster and carry no email, phone or IP in clear', () => {
    const limiter = new RateLimiter(new MemoryKvStore(), key);
    const k = limiter.key({ name: 'sends' }, 'ada@example.com');
    expect(k).toMatch(/^rl:\{sends:[A-Za-z0-9_-]{22}\}$/);
    expect(k).not.toContain('ada');
    expect(limiter.key({ name: 'sends' }, 'ada@example.com')).toBe(k);
    expect(new RateLimiter(new MemoryKvStore(), Buffer.from('other-key'.repeat(4))).key({ name: 'sends' }, 'ada@example.com')).not.toBe(k);
  });

  test('fails closed: a store failure propagates as SERVICE_UNAVAILABLE, never as "allowed"', async () => {
    const down: KvStore = {
      get: jest.fn(),
      set: jest.fn(),
      delete: jest.fn(),
      getAndDelete: jest.fn(),
      increment: () => Promise.reject(WardenError.unavailable('redis', new Error('ECONNREFUSED'))),
      incrementMany: jest.fn(),
      takeBack: jest.fn(),
      ping: jest.fn(),
      close: jest.fn(),
    };
    const error = await rejection(new RateLimiter(down, key).consume({ name: 'x', limit: 100, windowSeconds: 60 }, 'a'));
    expect(error.code).toBe('SERVICE_UNAVAILABLE');
  });

  test('refuseIfExhausted counts nothing below the limit and refuses, with the true retryAfter, at it', async () => {
    const c = clock();
    const limiter = new RateLimiter(new MemoryKvStore(c.now), key);
    const rule = { name: 'peek', limit: 2, windowSeconds: 60 };
    await limiter.refuseIfExhausted(rule, 'a');
    await limiter.refuseIfExhausted(rule, 'a');
    expect((await limiter.consume(rule, 'a')).count).toBe(1);
    await limiter.consume(rule, 'a');
    c.advance(20);
    const refused = await rejection(limiter.refuseIfExhausted(rule, 'a'));
    expect(refused).toMatchObject({ code: 'RATE_LIMITED', extensions: { retryAfter: 40 } });
  });

  test('a limit below 1 is a programming error', async () => {
    const limiter = new RateLimiter(new MemoryKvStore(), key);
    await expect(limiter.consume({ name: 'x', limit: 0, windowSeconds: 60 }, 'a')).rejects.toThrow(TypeError);
  });
});

describe('ipBucket', () => {
  test('IPv4 as is, IPv4-mapped IPv6 unwrapped', () => {
    expect(ipBucket('198.51.100.7')).toBe('198.51.100.7');
    expect(ipBucket('::ffff:198.51.100.7')).toBe('198.51.100.7');
  });

  test('IPv6 by /64: one subscriber cannot rotate through its own prefix', () => {
    expect(ipBucket('2001:db8:1:2:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:0db8:0001:0002:0000:0000:0000:0009')).toBe('2001:db8:1:2::/64');
    expect(ipBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(ipBucket('::1')).toBe('0:0:0:0::/64');
    expect(ipBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(ipBucket('2001:db8:1:3::1')).not.toBe(ipBucket('2001:db8:1:2::1'));
  });

  test('missing or malformed addresses share one bucket', () => {
    expect(ipBucket(null)).toBe('unknown');
    expect(ipBucket('')).toBe('unknown');
    expect(ipBucket('not-an-ip')).toBe('unknown');
  });
});
