import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import type { GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { createResolversMap, type ContainerType } from 'type-graphql';
import type { Context } from './context';
import { buildGuardedSchema, wardenSchemaOptions } from './schema';
import { UsersService } from '../modules/users/users.service';
import type { WardenModule } from '../modules/module';
import type { UserType } from '../modules/users/user.type';
import type { OrganizationType } from '../modules/organizations/organization.type';

/**
 * The pinned Federation 2 version. type-graphql does not print a schema @link: without it @apollo/subgraph
 * silently treats the SDL as a Federation 1 subgraph, so it is prepended here (and the drift test checks it).
 */
export const FEDERATION_LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@requiresScopes"])';

type SubgraphResolvers = NonNullable<Extract<Parameters<typeof buildSubgraphSchema>[0], { resolvers?: unknown }>['resolvers']>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A representation's id: only a well-formed UUID reaches the database (anything else is no such entity). */
function entityId(reference: { id?: unknown }): string | null {
  return typeof reference.id === 'string' && UUID.test(reference.id) ? reference.id.toLowerCase() : null;
}

/**
 * __resolveReference for the entities, through the per-request DataLoaders: the router's `_entities` call with
 * n representations costs one query per entity type, not n. Viewer-only fields on these answer by the rule of
 * src/graphql/viewer-only.ts (the forwarded bearer token decides), exactly as on `viewer`.
 */
const referenceResolvers = {
  User: {
    async __resolveReference(reference: { id?: unknown }, ctx: Context): Promise<UserType | null> {
      const id = entityId(reference);
      const user = id ? await ctx.loaders.user.load(id) : null;
      return user ? UsersService.toType(user) : null;
    },
  },
  Organization: {
    async __resolveReference(reference: { id?: unknown }, ctx: Context): Promise<OrganizationType | null> {
      const id = entityId(reference);
      const org = id ? await ctx.loaders.organization.load(id) : null;
      return org ? UsersService.toOrganizationType(org) : null;
    },
  },
};

/**
 * FEDERATION_ENABLED=true: the type-graphql schema printed with its directives (`@key` through `@Directive`),
 * the Federation 2 @link in front, rebuilt by @apollo/subgraph with type-graphql's own resolvers (middlewares,
 * auth checker, scalars and enum values included) plus the reference resolvers. Adds `_service` and `_entities`.
 */
export async function buildWardenSubgraphSchema(container?: ContainerType, modules?: readonly WardenModule[]): Promise<GraphQLSchema> {
  const schema = await buildGuardedSchema({ ...wardenSchemaOptions(container, modules), skipCheck: true });
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [type, typeResolvers] of Object.entries(referenceResolvers)) resolvers[type] = { ...resolvers[type], ...typeResolvers };
  return buildSubgraphSchema({
    typeDefs: gql`
      ${FEDERATION_LINK}
      ${printSchemaWithDirectives(schema)}
    `,
    resolvers: resolvers as SubgraphResolvers,
  });
}

export const SUBGRAPH_HEADER =
  '# Warden as an Apollo Federation 2 subgraph (FEDERATION_ENABLED=true): what `_service { sdl }` answers.\n' +
  '# Emitted by `npm run schema`. Do not edit by hand.\n\n';

/** The text of schema/subgraph.graphql: the SDL a router composes (printSubgraphSchema). */
export async function printWardenSubgraphSchema(): Promise<string> {
  return SUBGRAPH_HEADER + printSubgraphSchema(await buildWardenSubgraphSchema()) + '\n';
}
