import 'reflect-metadata';
import { graphql, type GraphQLSchema } from 'graphql';
import { buildSchema, Mutation, Query, Resolver } from 'type-graphql';
import { RecentAuth } from './recent-auth';
import { instanceContainer } from '../container';
import { WardenError } from '../../errors/warden-error';
import type { Context } from '../context';

let calls = 0;

@Resolver()
class SensitiveResolver {
  @Query(() => Boolean)
  ping(): boolean {
    return true;
  }

  @RecentAuth()
  @Mutation(() => Boolean, { nullable: true })
  sensitive(): boolean {
    calls += 1;
    return true;
  }
}

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildSchema({ resolvers: [SensitiveResolver], container: instanceContainer([new SensitiveResolver()]), validate: false });
});
beforeEach(() => {
  calls = 0;
});

/** A context whose session last authenticated `ageSeconds` ago (null: no bearer), with the service's rule. */
function contextFor(ageSeconds: number | null, maxAgeSeconds = 900): Context {
  return {
    requireRecentAuthentication: async () => {
      if (ageSeconds === null) throw new WardenError('UNAUTHENTICATED');
      if (ageSeconds > maxAgeSeconds) throw new WardenError('REAUTHENTICATION_REQUIRED', { extensions: { maxAgeSeconds } });
    },
  } as unknown as Context;
}

const run = (ctx: Context) => graphql({ schema, source: 'mutation { sensitive }', contextValue: ctx });

describe('@RecentAuth() on a mutation field', () => {
  test('a recent authentication runs the resolver', async () => {
    const result = await run(contextFor(10));
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ sensitive: true });
    expect(calls).toBe(1);
  });

  test('an old one answers REAUTHENTICATION_REQUIRED with maxAgeSeconds and the resolver never runs', async () => {
    const result = await run(contextFor(901));
    expect(calls).toBe(0);
    const error = result.errors![0]!.originalError as WardenError;
    expect(error.code).toBe('REAUTHENTICATION_REQUIRED');
    expect(error.extensions.maxAgeSeconds).toBe(900);
  });

  test('no viewer: UNAUTHENTICATED, resolver not run', async () => {
    const result = await run(contextFor(null));
    expect(calls).toBe(0);
    expect((result.errors![0]!.originalError as WardenError).code).toBe('UNAUTHENTICATED');
  });
});
