import { timingSafeEqual, createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Context } from '../context';
import { WardenError } from '../../errors/warden-error';

/** The header the router adds to every subgraph request (FEDERATION_ROUTER_SECRET). */
export const ROUTER_SECRET_HEADER = 'x-router-secret';

const ROUTER_FIELDS = new Set(['_entities', '_service']);

/** Whether the operation's root selection (fragments included) asks `_entities` or `_service`. */
export function asksRouterFields(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): boolean {
  return selectionSet.selections.some((selection) => {
    if (selection.kind === Kind.FIELD) return ROUTER_FIELDS.has(selection.name.value);
    if (selection.kind === Kind.INLINE_FRAGMENT) return asksRouterFields(selection.selectionSet, fragments, seen);
    const name = selection.name.value;
    if (seen.has(name)) return false;
    seen.add(name);
    const fragment = fragments.get(name);
    return !!fragment && asksRouterFields(fragment.selectionSet, fragments, seen);
  });
}

function sameSecret(given: string | undefined, expected: Buffer): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  return given !== undefined && timingSafeEqual(createHash('sha256').update(given).digest(), expected);
}

/**
 * FEDERATION_ROUTER_SECRET set: `_entities` (any user by id) and `_service` (the subgraph SDL) answer only
 * requests that carry the secret in x-router-secret; everyone else gets FORBIDDEN before anything runs.
 */
export function routerOnlyPlugin(secret: string): ApolloServerPlugin<Context> {
  const expected = createHash('sha256').update(secret).digest();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request }) {
          if (!operation) return;
          const fragments = new Map<string, FragmentDefinitionNode>();
          for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
          if (!asksRouterFields(operation.selectionSet, fragments)) return;
          if (sameSecret(request.http?.headers.get(ROUTER_SECRET_HEADER) ?? undefined, expected)) return;
          const refusal = new WardenError('FORBIDDEN', { message: '_entities and _service answer the router only.' });
          throw new GraphQLError(refusal.message, { originalError: refusal, extensions: { http: { status: 403 } } });
        },
      };
    },
  };
}
