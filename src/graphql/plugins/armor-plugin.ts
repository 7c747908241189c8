import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { ValidationRule } from 'graphql';
import type { Limits } from '../../config/limits';
import { costLimitPlugin, costLimitRule } from './cost-plugin';

export type GraphQLLimits = Pick<Limits, 'graphqlMaxDepth' | 'graphqlMaxAliases' | 'graphqlMaxCost' | 'graphqlMaxTokens' | 'graphqlMaxDirectives'>;

/**
 * graphql-armor (Escape): maximum depth, aliases and directives, refused at validation (400,
 * GRAPHQL_VALIDATION_FAILED) with a message that names the limit; field suggestions ("Did you mean …")
 * masked in production so the schema cannot be mapped by typos. Introspection is Apollo's (off in
 * production). The cost limit (GRAPHQL_MAX_COST) is `costLimitPlugin`, priced with the variables. The token limit is graphql-js's own parser option (see `parseOptions`): armor's
 * max-tokens plugin throws from a pipeline hook, which Apollo answers with a 500.
 */
export function graphqlArmor(
  limits: GraphQLLimits,
  options: { isProduction: boolean },
): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
} {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.graphqlMaxDepth, ignoreIntrospection: true, flattenFragments: true },
    maxAliases: { n: limits.graphqlMaxAliases },
    // The cost limit is Warden's own (cost-plugin.ts): armor's sees no variables.
    costLimit: { enabled: false },
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.graphqlMaxDirectives },
    blockFieldSuggestion: { enabled: options.isProduction },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins: [...plugins, costLimitPlugin(limits.graphqlMaxCost)], validationRules: [...validationRules, costLimitRule(limits.graphqlMaxCost)] };
}

/** graphql-js stops lexing past maxTokens: a GRAPHQL_PARSE_FAILED (400) before any work on the document. */
export function parseOptions(limits: GraphQLLimits): { maxTokens: number } {
  return { maxTokens: limits.graphqlMaxTokens };
}
