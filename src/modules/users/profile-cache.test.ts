import { ProfileCache, type InvalidationChannel } from './profile-cache';
import type { UserType } from './user.type';

/** A channel whose currency and generation the test sets; broadcasts are delivered to every cache on it. */
class FakeChannel implements InvalidationChannel {
  current = true;
  gen = 1;
  failPublish = false;
  private readonly listeners: ((data: unknown) => void)[] = [];
  onBroadcast(_kind: string, listener: (data: unknown) => void): void {
    this.listeners.push(listener);
  }
  async broadcast(_kind: string, data: unknown): Promise<void> {
    if (this.failPublish) throw new Error('redis down');
    for (const l of this.listeners) l(data);
  }
  isCurrent(): boolean {
    return this.current;
  }
  generation(): number {
    return this.gen;
  }
}

const user = (id: string, name: string): UserType =>
  ({ id, name, email: `${id}@x.test`, emailVerified: true, phone: null, phoneVerified: false, createdAt: new Date(0), organizationId: null }) as UserType;

describe('ProfileCache', () => {
  test('serves what was filled, only while the channel is current and in the same generation', () => {
    const channel = new FakeChannel();
    const cache = new ProfileCache(channel, { maxEntries: 10, ttlSeconds: 60 });
    cache.fillUsers([user('u1', 'Ada')], cache.stamp());
    expect(cache.user('u1')?.name).toBe('Ada');
    channel.current = false;
    expect(cache.user('u1')).toBeUndefined();
    channel.current = true;
    channel.gen = 2; // reconnected: anything from before may have missed messages
    expect(cache.user('u1')).toBeUndefined();
  });

  test('a read that started before an invalidation of that id is not cached; other ids are', () => {
    const channel = new FakeChannel();
    const cache = new ProfileCache(channel, { maxEntries: 10, ttlSeconds: 60 });
    const stamp = cache.stamp();
    cache.invalidate({ users: ['u1'] }); // arrives while the read is in flight
    cache.fillUsers([user('u1', 'old'), user('u2', 'Bob')], stamp);
    expect(cache.user('u1')).toBeUndefined();
    expect(cache.user('u2')?.name).toBe('Bob');
  });

  test('a fill made while not current, or across a reconnection, is dropped', () => {
    const channel = new FakeChannel();
    const cache = new ProfileCache(channel, { maxEntries: 10, ttlSeconds: 60 });
    const stamp = cache.stamp();
    channel.gen = 2;
    cache.fillUsers([user('u1', 'Ada')], stamp);
    expect(cache.user('u1')).toBeUndefined();
    channel.current = false;
    cache.fillUsers([user('u1', 'Ada')], cache.stamp());
    channel.current = true;
    expect(cache.user('u1')).toBeUndefined();
  });

  test('changed() drops the entry on every cache of the channel, and survives a failed publish locally', async () => {
    const channel = new FakeChannel();
    const errors: unknown[] = [];
    const here = new ProfileCache(channel, { maxEntries: 10, ttlSeconds: 60, onPublishError: (e) => errors.push(e) });
    const there = new ProfileCache(channel, { maxEntries: 10, ttlSeconds: 60 });
    here.fillUsers([user('u1', 'Ada')], here.stamp());
    there.fillUsers([user('u1', 'Ada')], there.stamp());
    await here.changed({ users: ['u1'] });
    expect(here.user('u1')).toBeUndefined();
    expect(there.user('u1')).toBeUndefined();

    here.fillUsers([user('u1', 'Ada')], here.stamp());
    there.fillUsers([user('u1', 'Ada')], there.stamp());
    channel.failPublish = true;
    await expect(here.changed({ users: ['u1'] })).resolves.toBeUndefined();
    expect(here.user('u1')).toBeUndefined();
    expect(there.user('u1')?.name).toBe('Ada'); // until PROFILE_CACHE_TTL_SECONDS
    expect(errors).toHaveLength(1);
  });

  test('maxEntries 0 turns it off', () => {
    const cache = new ProfileCache(new FakeChannel(), { maxEntries: 0, ttlSeconds: 60 });
    cache.fillUsers([user('u1', 'Ada')], cache.stamp());
    expect(cache.user('u1')).toBeUndefined();
  });

  test('cached values cannot be changed by a caller', () => {
    const cache = new ProfileCache(new FakeChannel(), { maxEntries: 10, ttlSeconds: 60 });
    cache.fillUsers([user('u1', 'Ada')], cache.stamp());
    expect(() => {
      (cache.user('u1') as { name: string }).name = 'Eve';
    }).toThrow();
  });
});
