import { RevocationList } from './revocation-list';
import { MemoryKvStore } from '../../store/memory-kv-store';
import { MemoryPubSub } from '../../store/memory-pub-sub';
import type { KvStore } from '../../store/kv-store';
import type { PubSub, Subscription } from '../../store/pub-sub';
import { WardenError } from '../../errors/warden-error';

/** A PubSub whose subscription is current only when the test says so, and whose messages never arrive. */
class SilentPubSub implements PubSub {
  current = true;
  published: string[] = [];
  async publish(_channel: string, payload: string): Promise<void> {
    this.published.push(payload);
  }
  subscribe(): Subscription {
    return { isCurrent: () => this.current, generation: () => 1, ready: async () => undefined, close: async () => undefined };
  }
  async close(): Promise<void> {}
}

const downStore: KvStore = new Proxy({} as KvStore, {
  get: () => async () => {
    throw WardenError.unavailable('redis', new Error('connection refused'));
  },
});

describe('RevocationList', () => {
  test('a revocation is seen by every list on the channel, answered locally', async () => {
    const kv = new MemoryKvStore();
    const pubsub = new MemoryPubSub();
    const here = new RevocationList(kv, pubsub, 900);
    const there = new RevocationList(kv, pubsub, 900);
    here.start();
    there.start();
    await here.revoke(['s1', 's2']);
    expect(there.isRevokedLocally('s1')).toBe(true);
    expect(there.isRevokedLocally('s3')).toBe(false);
    expect(await there.isRevoked('s2')).toBe(true);
    await Promise.all([here.close(), there.close(), kv.close()]);
  });

  test('while the subscription is not current, every check asks the store', async () => {
    const kv = new MemoryKvStore();
    const pubsub = new SilentPubSub();
    const writer = new RevocationList(kv, pubsub, 900);
    const reader = new RevocationList(kv, pubsub, 900);
    reader.start();
    await writer.revoke(['gone']);
    // The message never arrived: trusted, the local copy would say "not revoked".
    expect(reader.isRevokedLocally('gone')).toBe(false);
    pubsub.current = false;
    expect(reader.isRevokedLocally('gone')).toBeNull();
    expect(await reader.isRevoked('gone')).toBe(true);
    expect(await reader.isRevoked('fine')).toBe(false);
    await kv.close();
  });

  test('fails closed: store down and subscription not current → SERVICE_UNAVAILABLE, never "not revoked"', async () => {
    const pubsub = new SilentPubSub();
    pubsub.current = false;
    const list = new RevocationList(downStore, pubsub, 900);
    list.start();
    await expect(list.isRevoked('any')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });

  test('revoke writes the store before it tells anyone; a store failure stops it before publishing', async () => {
    const pubsub = new SilentPubSub();
    const list = new RevocationList(downStore, pubsub, 900);
    await expect(list.revoke(['x'])).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(pubsub.published).toEqual([]);
  });

  test('an entry lasts as long as the longest access token from when it was published, not from when it arrived', async () => {
    const kv = new MemoryKvStore();
    let clockMs = Date.now() - (900 + 61) * 1000;
    const pubsub = new MemoryPubSub(() => clockMs);
    await pubsub.publish('sessions.revoked', JSON.stringify(['old']), 3600);
    clockMs = Date.now() - 10_000;
    await pubsub.publish('sessions.revoked', JSON.stringify(['recent']), 3600);
    const list = new RevocationList(kv, pubsub, 900);
    list.start(); // replays both
    expect(list.isRevokedLocally('old')).toBe(false);
    expect(list.isRevokedLocally('recent')).toBe(true);
    await Promise.all([list.close(), kv.close()]);
  });

  describe('stale organization claims (CLAIMS_CHANGED)', () => {
    const change = { userId: 'u1', organizationId: 'o1', atS: 1000, publishedS: 1001, role: 'admin', scope: 'members:read org:read org:update' };
    const token = (issuedAtS: number, role = 'member', scope = 'members:read org:read', organizationId = 'o1') => ({
      userId: 'u1',
      issuedAtS,
      organization: { id: organizationId, role, scope },
    });

    test('refused when issued before the change, or up to its publication without the new claims; other organizations untouched', async () => {
      const kv = new MemoryKvStore();
      const pubsub = new MemoryPubSub();
      const here = new RevocationList(kv, pubsub, 900);
      const there = new RevocationList(kv, pubsub, 900);
      here.start();
      there.start();
      await here.claimsChanged([change]);
      expect(there.claimsStaleLocally(token(999))).toBe(true);
      expect(there.claimsStaleLocally(token(999, 'admin', change.scope))).toBe(true); // before the change, whatever it says
      expect(there.claimsStaleLocally(token(1000))).toBe(true);
      expect(there.claimsStaleLocally(token(1001))).toBe(true);
      expect(there.claimsStaleLocally(token(1000, 'admin', change.scope))).toBe(false);
      expect(there.claimsStaleLocally(token(1002))).toBe(false); // issued after the publication
      expect(there.claimsStaleLocally(token(999, 'member', 'members:read org:read', 'o2'))).toBe(false);
      expect(there.claimsStaleLocally({ userId: 'u1', issuedAtS: 999 })).toBe(false); // no organization claims
      await Promise.all([here.close(), there.close(), kv.close()]);
    });

    test('asks the store when the channel is not current', async () => {
      const kv = new MemoryKvStore();
      const pubsub = new SilentPubSub();
      const writer = new RevocationList(kv, pubsub, 900);
      const reader = new RevocationList(kv, pubsub, 900);
      writer.start();
      reader.start();
      await writer.claimsChanged([change]);
      pubsub.current = false;
      expect(reader.claimsStaleLocally(token(999))).toBeNull();
      expect(await reader.claimsStale(token(999))).toBe(true);
      expect(await reader.claimsStale(token(1002))).toBe(false);
      await Promise.all([writer.close(), reader.close(), kv.close()]);
    });
  });
});
