import type { ContainerType } from 'type-graphql';

/** type-graphql's container: resolvers are built in app.ts and looked up by class. No global container. */
export function instanceContainer(instances: readonly object[]): ContainerType {
  const byClass = new Map<Function, object>(instances.map((i) => [i.constructor, i]));
  return {
    get(someClass: Function) {
      const instance = byClass.get(someClass);
      if (!instance) throw new TypeError(`no instance registered for ${someClass.name}`);
      return instance;
    },
  };
}
