import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { DateTimeResolver } from 'graphql-scalars';
import { buildSchema, type BuildSchemaOptions, type ContainerType } from 'type-graphql';
import { authChecker } from './auth-checker';
import { moduleResolvers } from '../modules';
import type { ClassType, WardenModule } from '../modules/module';
import { guardArguments } from './input-guard';
import { applyDirectResolvers } from './direct-resolvers';

/** Every capability's resolvers, from the one module list (src/modules/index.ts). */
export const resolverClasses = moduleResolvers as [ClassType, ...ClassType[]];

/** The type-graphql options of Warden's schema (the plain one here, the subgraph in federation.ts); `modules`: default the product's list. */
export function wardenSchemaOptions(container?: ContainerType, modules?: readonly WardenModule[]): BuildSchemaOptions {
  return {
    resolvers: modules ? (modules.flatMap((m) => m.resolvers) as [ClassType, ...ClassType[]]) : resolverClasses,
    container: container ?? { get: () => ({}) },
    authChecker,
    authMode: 'error',
    scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
    validate: false,
    emitSchemaFile: false,
  };
}

/**
 * type-graphql's schema with the input guard in front of every field that takes arguments (input-guard.ts),
 * and the @Direct field resolvers called without type-graphql's wrapper (direct-resolvers.ts).
 * Without a container (schema printing) resolvers are never called.
 */
export async function buildGuardedSchema(options: BuildSchemaOptions): Promise<GraphQLSchema> {
  const schema = await buildSchema(options);
  guardArguments(schema);
  if (options.container && typeof options.container !== 'function')
    applyDirectResolvers(schema, options.container, { globalMiddlewares: options.globalMiddlewares?.length ?? 0 });
  return schema;
}

/** Builds the executable schema from the resolvers of `modules` (default: src/modules/index.ts). */
export function buildWardenSchema(container?: ContainerType, modules?: readonly WardenModule[]): Promise<GraphQLSchema> {
  return buildGuardedSchema(wardenSchemaOptions(container, modules));
}

export const SCHEMA_HEADER = '# Emitted from the type-graphql classes by `npm run schema`. Do not edit by hand.\n\n';

/** The text of schema/schema.graphql: sorted, so it only changes when the schema does. */
export async function printWardenSchema(): Promise<string> {
  return SCHEMA_HEADER + printSchema(lexicographicSortSchema(await buildWardenSchema())) + '\n';
}
