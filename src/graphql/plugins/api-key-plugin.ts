import { createHash } from 'node:crypto';
import type { ApolloServerPlugin, GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import { Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import type { Context } from '../context';
import { WardenError } from '../../errors/warden-error';
import type { ApiKeyPrincipal } from '../../modules/api-keys/api-key-principal';

/**
 * What an API key (or a token exchanged for one) may run on /graphql (contract, "API keys", "As a bearer"):
 * the listed fields only, FORBIDDEN `reason: API_KEY` otherwise; with allowedOperations, only those documents
 * (the SHA-256 of the exact query string, or the APQ hash), FORBIDDEN `reason: OPERATION_NOT_ALLOWED` otherwise.
 * Both are decided before anything runs.
 */
const OPEN_QUERY_FIELDS = new Set(['viewer', 'organization', 'permissions', 'eventTypes', 'events', '__typename']);
/** The viewer's fields a personal key may read. */
const OPEN_VIEWER_FIELDS = new Set(['id', 'email', 'emailVerified', 'phone', 'phoneVerified', 'name', 'createdAt', 'organizations', '__typename']);
/**
 * Mutations open to keys, each with the permission it needs: a personal key's scopes must hold it (the service
 * checks the owner's); an organization's key's effective scopes must (the service checks its creator's, cut to them).
 */
const OPEN_MUTATIONS: Readonly<Record<string, string>> = {
  updateOrganization: 'org:update',
  inviteMember: 'members:invite',
  resendInvitation: 'members:invite',
  revokeInvitation: 'members:invite',
  updateMemberRole: 'members:update_role',
  removeMember: 'members:remove',
  createRole: 'roles:manage',
  updateRole: 'roles:manage',
  deleteRole: 'roles:manage',
  updateWebhookEndpoint: 'webhooks:manage',
  deleteWebhookEndpoint: 'webhooks:manage',
  sendTestEvent: 'webhooks:manage',
  replayDelivery: 'webhooks:manage',
};

function refuse(reason: 'API_KEY' | 'OPERATION_NOT_ALLOWED', message: string): WardenError {
  return new WardenError('FORBIDDEN', { message, extensions: { reason } });
}

/** The fields selected at this level, fragments (named and inline) flattened. */
function fieldsOf(selectionSet: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()) {
  const out: { name: string; selectionSet?: SelectionSetNode }[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) out.push({ name: selection.name.value, selectionSet: selection.selectionSet });
    else if (selection.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments.get(selection.name.value);
      if (fragment) out.push(...fieldsOf(fragment.selectionSet, fragments, seen));
    }
  }
  return out;
}

function checkFields(
  principal: ApiKeyPrincipal,
  operation: 'query' | 'mutation' | 'subscription',
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): void {
  for (const field of fieldsOf(selectionSet, fragments)) {
    if (operation === 'mutation') {
      const permission = OPEN_MUTATIONS[field.name];
      if (permission === undefined) throw refuse('API_KEY', `API keys cannot call ${field.name}.`);
      const held = principal.userId === null ? principal.effectiveScopes : principal.scopes;
      if (!held.includes(permission)) throw refuse('API_KEY', `This key does not hold ${permission}.`);
      continue;
    }
    if (operation !== 'query' || !OPEN_QUERY_FIELDS.has(field.name)) throw refuse('API_KEY', `API keys cannot read ${field.name}.`);
    if (field.name === 'viewer' && field.selectionSet) {
      for (const sub of fieldsOf(field.selectionSet, fragments)) {
        if (!OPEN_VIEWER_FIELDS.has(sub.name)) throw refuse('API_KEY', `API keys cannot read viewer.${sub.name}.`);
      }
    }
  }
}

const NOTHING_TO_CHECK: Promise<void> = Promise.resolve();

export function apiKeyPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        didResolveOperation(requestContext) {
          // The common bearer (a session token verified before) or none: nothing to check, no async function run.
          if (requestContext.contextValue.apiKeyNow() === null) return NOTHING_TO_CHECK;
          return checkOperation(requestContext);
        },
      };
    },
  };
}

async function checkOperation({ contextValue, operation, document, request }: GraphQLRequestContextDidResolveOperation<Context>): Promise<void> {
  const principal = await contextValue.apiKey();
  if (!principal || !operation) return;
  if (principal.allowedOperations.length > 0) {
    const persisted = (request.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery?.sha256Hash;
    const hash =
      typeof persisted === 'string'
        ? persisted
        : createHash('sha256')
            .update(request.query ?? '')
            .digest('hex');
    if (!principal.allowedOperations.includes(hash)) throw refuse('OPERATION_NOT_ALLOWED', 'This key may not run this operation.');
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  checkFields(principal, operation.operation, operation.selectionSet, fragments);
}
