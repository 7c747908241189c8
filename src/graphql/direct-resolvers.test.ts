import 'reflect-metadata';
import { graphql } from 'graphql';
import { Ctx, Field, FieldResolver, ID, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { Context } from './context';
import { instanceContainer } from './container';
import { Direct } from './direct-resolvers';
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
