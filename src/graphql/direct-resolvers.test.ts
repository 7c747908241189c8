import 'reflect-metadata';
import { graphql, type GraphQLResolveInfo } from 'graphql';
import { Authorized, Ctx, Field, FieldResolver, ID, Info, ObjectType, Query, Resolver, Root, UseMiddleware } from 'type-graphql';
import type { Context } from './context';
import { instanceContainer } from './container';
import { Direct, DirectQuery } from './direct-resolvers';
import { buildGuardedSchema } from './schema';

@ObjectType('DirectThing')
class DirectThing {
  @Field(() => ID)
  id: string;
}

const theThing = { id: 't1' };

@Resolver(() => DirectThing)
class DirectThingResolver {
  readonly roots: unknown[] = [];

  @Query(() => DirectThing)
  directThing(): DirectThing {
    return theThing;
  }

  readonly seen: { ctx: unknown; field: string }[] = [];

  @DirectQuery()
  @Query(() => DirectThing)
  directQuery(@Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): DirectThing {
    this.seen.push({ ctx, field: info.fieldName });
    return theThing;
  }

  @Direct('DirectThing')
  @FieldResolver(() => String)
  label(@Root() thing: DirectThing, @Ctx() ctx: Context): string {
    this.roots.push(thing);
    return `${thing.id}:${(ctx as unknown as { suffix: string }).suffix}`;
  }

  @FieldResolver(() => String)
  wrapped(@Root() thing: DirectThing): string {
    this.roots.push(thing);
    return thing.id;
  }
}

@Resolver()
class GuardedQueryResolver {
  @DirectQuery()
  @Authorized()
  @Query(() => String)
  guardedQuery(@Ctx() _ctx: Context, @Info() _info: GraphQLResolveInfo): string {
    return 'would skip the auth check';
  }
}

@Resolver()
class MiddlewareQueryResolver {
  @DirectQuery()
  @UseMiddleware((_data, next) => next())
  @Query(() => String)
  middlewareQuery(@Ctx() _ctx: Context, @Info() _info: GraphQLResolveInfo): string {
    return 'would skip the middleware';
  }
}

@Resolver()
class ReorderedQueryResolver {
  // DirectQuery's type refuses this signature already; the schema build must refuse it too (e.g. with `any` types).
  @(DirectQuery() as unknown as MethodDecorator)
  @Query(() => String)
  reorderedQuery(@Info() _info: GraphQLResolveInfo, @Ctx() _ctx: Context): string {
    return 'would get its parameters swapped';
  }
}

const build = (resolvers: [Function, ...Function[]], instances: object[]) =>
  buildGuardedSchema({ resolvers, container: instanceContainer(instances), authChecker: () => true, validate: false });

describe('@DirectQuery resolvers', () => {
  it('are called with the context and the info, without type-graphql in between', async () => {
    const resolver = new DirectThingResolver();
    const schema = await build([DirectThingResolver], [resolver]);
    const contextValue = { suffix: 'q' };
    const result = await graphql({ schema, source: '{ directQuery { id label } }', contextValue });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ directQuery: { id: 't1', label: 't1:q' } });
    expect(resolver.seen).toEqual([{ ctx: contextValue, field: 'directQuery' }]);
  });

  it('are refused at schema build when @Authorized or a middleware would be skipped, or the parameters differ', async () => {
    await expect(build([GuardedQueryResolver], [new GuardedQueryResolver()])).rejects.toThrow(/Query.guardedQuery has middlewares or @Authorized/);
    await expect(build([MiddlewareQueryResolver], [new MiddlewareQueryResolver()])).rejects.toThrow(/Query.middlewareQuery has middlewares or @Authorized/);
    await expect(
      buildGuardedSchema({
        resolvers: [DirectThingResolver],
        container: instanceContainer([new DirectThingResolver()]),
        globalMiddlewares: [(_data, next) => next()],
        authChecker: () => true,
        validate: false,
      }),
    ).rejects.toThrow(/direct resolver .* has middlewares or @Authorized/);
    await expect(build([ReorderedQueryResolver], [new ReorderedQueryResolver()])).rejects.toThrow(/must take exactly \(context, info\), not \(info, context\)/);
  });
});

describe('@Direct field resolvers', () => {
  it('are called with the root as the parent resolver returned it and the context, without type-graphql in between', async () => {
    const resolver = new DirectThingResolver();
    const schema = await buildGuardedSchema({
      resolvers: [DirectThingResolver],
      container: instanceContainer([resolver]),
      authChecker: () => true,
      validate: false,
    });
    const result = await graphql({ schema, source: '{ directThing { id label wrapped } }', contextValue: { suffix: 'ctx' } });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ directThing: { id: 't1', label: 't1:ctx', wrapped: 't1' } });
    const [direct, wrapped] = resolver.roots;
    // The direct field gets the very object; type-graphql's wrapper copies the root into a new DirectThing.
    expect(direct).toBe(theThing);
    expect(wrapped).not.toBe(theThing);
    expect(wrapped).toBeInstanceOf(DirectThing);
  });
});
