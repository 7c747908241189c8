import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  getNamedType,
  isCompositeType,
  isObjectType,
  isInterfaceType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { WardenError } from '../../errors/warden-error';

/** Contract, "Schema, third part": every `first` is 1 to 100; `last` is held to the same bound. */
export const PAGE_MAX = 100;
const PAGE_ARGS = ['first', 'last'] as const;
const OBJECT_COST = 2;
const SCALAR_COST = 1;
const DEPTH_FACTOR = 1.5;

/**
 * The cost limit (GRAPHQL_MAX_COST), computed once the operation is known and with its variables, so
 * `members(first: $n)` is charged like `members(first: 100)` (graphql-armor's rule, run at validation, sees
 * no variables and multiplies only a literal `first`). Same weights as graphql-armor: an object 2, a scalar 1,
 * each level ×1.5; a paginated field (an argument `first`/`last`) is charged × its page size: the literal,
 * else the variable's value, else the variable's default, else the argument's schema default (`members`
 * without `first` pages 50, so it costs 50 rows). Inside a page a scalar leaf costs 0: a row's columns come
 * with the row, the rows are the cost (so `members(first: 50)` with its usual fields fits the default limit).
 * A page size outside 1..100 is refused before anything runs: BAD_USER_INPUT, `field` = the argument name.
 */
export function costLimitPlugin(maxCost: number): ApolloServerPlugin {
  // Apollo keeps parsed documents, so the same operation text is the same node: without variables its cost is
  // computed once (the hot `viewer` queries take none).
  const fixedCost = new WeakMap<OperationDefinitionNode, number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, request, schema }) {
          if (!operation) return;
          const fixed = !operation.variableDefinitions?.length;
          let cost = fixed ? fixedCost.get(operation) : undefined;
          if (cost === undefined) {
            cost = operationCost(schema, document, operation, request.variables ?? {}, true);
            if (fixed) fixedCost.set(operation, cost);
          }
          if (cost > maxCost) {
            throw new GraphQLError(`Syntax Error: Query Cost limit of ${maxCost} exceeded, found ${cost}.`, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

/**
 * The same price as a validation rule, with the variables not yet known (a variable without a default is priced
 * as a page of 1 here; `costLimitPlugin` prices it again with its value): reported beside the depth and alias
 * limits, as graphql-armor's rule was.
 */
export function costLimitRule(maxCost: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation) {
      const cost = operationCost(context.getSchema(), context.getDocument(), operation, {}, false);
      if (cost > maxCost)
        context.reportError(new GraphQLError(`Syntax Error: Query Cost limit of ${maxCost} exceeded, found ${cost}.`, { nodes: [operation] }));
    },
  });
}

/** The cost of `operation` with `variables` (throws BAD_USER_INPUT for a page size outside 1..PAGE_MAX). */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  refuseBadPages: boolean,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const variableDefaults = new Map<string, unknown>();
  for (const v of operation.variableDefinitions ?? []) {
    if (v.defaultValue) variableDefaults.set(v.variable.name.value, valueFromASTUntyped(v.defaultValue));
  }
  // A fragment's cost depends only on where it is spread (its type) and whether it is inside a page: memoised,
  // so a fragment bomb (each fragment spreading the next twice) costs linear time to price.
  const memo = new Map<string, number>();

  const pageSize = (
    field: GraphQLField<unknown, unknown> | undefined,
    args: readonly { name: { value: string }; value: import('graphql').ValueNode }[],
  ): number => {
    for (const name of PAGE_ARGS) {
      const arg = args.find((a) => a.name.value === name);
      let value: unknown;
      if (arg?.value.kind === Kind.VARIABLE) {
        const variable = arg.value.name.value;
        value = variables[variable] ?? variableDefaults.get(variable);
        if (value === undefined && !refuseBadPages) return 1; // validation: not known yet (priced again with it)
      } else if (arg) {
        value = valueFromASTUntyped(arg.value);
      }
      if (value === undefined || value === null) value = field?.args.find((a) => a.name === name)?.defaultValue;
      if (value === undefined || value === null) {
        if (arg) return PAGE_MAX; // an explicit null without a default: the resolver decides; price the largest page
        continue;
      }
      if (typeof value !== 'number') return PAGE_MAX; // not an Int: graphql-js refuses it; price the largest page
      if (!Number.isInteger(value) || value < 1 || value > PAGE_MAX) {
        if (!refuseBadPages) return PAGE_MAX;
        const refusal = WardenError.badInput(`${name} must be 1 to ${PAGE_MAX}.`, name);
        throw new GraphQLError(refusal.message, { originalError: refusal, extensions: { ...refusal.extensions, http: { status: 200 } } });
      }
      return value;
    }
    return 1;
  };

  const selectionCost = (set: SelectionSetNode, parent: GraphQLCompositeType | undefined, inPage: boolean): number => {
    let cost = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === '__schema') continue; // introspection is Apollo's (off in production)
        const field = parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[s.name.value] : undefined;
        if (!s.selectionSet) {
          cost += DEPTH_FACTOR * (inPage ? 0 : SCALAR_COST);
          continue;
        }
        const size = pageSize(field, s.arguments ?? []);
        const type = field ? getNamedType(field.type) : undefined;
        const child = type && isCompositeType(type) ? type : undefined;
        const inner = OBJECT_COST + selectionCost(s.selectionSet, child, inPage || size > 1 || hasPageArg(field));
        cost += DEPTH_FACTOR * inner * size;
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        const type = s.typeCondition ? schema.getType(s.typeCondition.name.value) : parent;
        cost += DEPTH_FACTOR * (OBJECT_COST + selectionCost(s.selectionSet, type && isCompositeType(type) ? type : undefined, inPage));
      } else {
        const fragment = fragments.get(s.name.value);
        if (!fragment) continue;
        const key = `${s.name.value}:${inPage}`;
        let inner = memo.get(key);
        if (inner === undefined) {
          memo.set(key, 0); // cycles are refused by validation already; never loop
          const type = schema.getType(fragment.typeCondition.name.value);
          inner = OBJECT_COST + selectionCost(fragment.selectionSet, type && isCompositeType(type) ? type : undefined, inPage);
          memo.set(key, inner);
        }
        cost += DEPTH_FACTOR * ((inPage ? 0 : SCALAR_COST) + DEPTH_FACTOR * inner);
      }
    }
    return cost;
  };

  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  // The operation's own fields are not ×1.5 (as in graphql-armor).
  return selectionCost(operation.selectionSet, root ?? undefined, false) / DEPTH_FACTOR;
}

function hasPageArg(field: GraphQLField<unknown, unknown> | undefined): boolean {
  return !!field?.args.some((a) => (PAGE_ARGS as readonly string[]).includes(a.name));
}
