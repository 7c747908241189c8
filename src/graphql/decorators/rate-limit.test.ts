import 'reflect-metadata';
import { graphql, type GraphQLSchema } from 'graphql';
import { buildSchema, Mutation, Query, Resolver } from 'type-graphql';
import { RateLimit } from './rate-limit';
import { instanceContainer } from '../container';
import { MemoryKvStore } from '../../store/memory-kv-store';
import type { KvStore } from '../../store/kv-store';
import { WardenError } from '../../errors/warden-error';
import { defaultLimits } from '../../config/limits';
import { RateLimiter } from '../../modules/rate-limits/rate-limiter';
import { FieldLimiter } from '../../modules/rate-limits/field-limits';
import type { Context } from '../context';

let calls = 0;

@Resolver()
class ProbeResolver {
  @Query(() => Boolean)
  ping(): boolean {
    return true;
  }

  // Nullable, so an error in one alias does not stop the fields after it: the worst case for a limiter.
  @RateLimit('otp.verify')
  @Mutation(() => Boolean, { nullable: true })
  probe(): boolean {
    calls += 1;
    return true;
  }
}

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildSchema({ resolvers: [ProbeResolver], container: instanceContainer([new ProbeResolver()]), validate: false });
});
beforeEach(() => {
  calls = 0;
});

function contextFor(kv: KvStore, ip: string, perMinute = 3): Context {
  const fieldLimiter = new FieldLimiter(new RateLimiter(kv, Buffer.from('k'.repeat(32))), { ...defaultLimits, rateLimitIpPerMinute: perMinute });
  return { meta: { requestId: 'r', ip, userAgent: null }, fieldLimiter } as unknown as Context;
}

const aliased = (n: number) => `mutation { ${Array.from({ length: n }, (_, i) => `a${i}: probe`).join(' ')} }`;

describe('@RateLimit on a mutation field', () => {
  test('counts every alias: 10 aliases in one document run the resolver only `limit` times', async () => {
    const result = await graphql({ schema, source: aliased(10), contextValue: contextFor(new MemoryKvStore(), '198.51.100.7') });
    expect(calls).toBe(3);
    const codes = (result.errors ?? []).map((e) => (e.originalError as WardenError).code);
    expect(codes).toEqual(Array(7).fill('RATE_LIMITED'));
    expect((result.errors![0]!.originalError as WardenError).extensions.retryAfter).toBeGreaterThan(0);
  });

  test('the count carries over between documents and is per client IP', async () => {
    const kv = new MemoryKvStore();
    await graphql({ schema, source: aliased(2), contextValue: contextFor(kv, '198.51.100.7') });
    await graphql({ schema, source: aliased(2), contextValue: contextFor(kv, '198.51.100.7') });
    expect(calls).toBe(3);
    await graphql({ schema, source: aliased(2), contextValue: contextFor(kv, '203.0.113.1') });
    expect(calls).toBe(5);
  });

  test('store down: SERVICE_UNAVAILABLE and the resolver never runs', async () => {
    const down = new MemoryKvStore();
    down.increment = () => Promise.reject(WardenError.unavailable('redis', new Error('ECONNREFUSED')));
    const result = await graphql({ schema, source: aliased(2), contextValue: contextFor(down, '198.51.100.7') });
    expect(calls).toBe(0);
    expect((result.errors ?? []).map((e) => (e.originalError as WardenError).code)).toEqual(['SERVICE_UNAVAILABLE', 'SERVICE_UNAVAILABLE']);
  });
});
