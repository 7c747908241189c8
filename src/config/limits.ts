import type { DeclaringModule, LimitDeclaration } from '../modules/declaration-types';
import { declaredEntriesOf, moduleDeclarationList, type ModuleLimitName } from '../modules/declarations';

/**
 * The limits that belong to no one capability: GraphQL request bounds and free-text length. Every other
 * limit is declared by its capability, in the `limits` of src/modules/<cap>/<cap>.declarations.ts, in the same
 * shape: the variable, its default, its bounds (a value outside is refused at start naming the variable;
 * minimums of 1 mean the limit cannot be switched off with 0) and the line docs/configuration.md shows.
 */
export const coreLimits = {
  maxStringLength: { env: 'MAX_STRING_LENGTH', default: 200, min: 1, max: 1000, doc: 'any other free-text input (name, organization fields).' },
  graphqlMaxDepth: { env: 'GRAPHQL_MAX_DEPTH', default: 6, min: 1, max: 50, doc: 'deepest selection nesting.' },
  graphqlMaxAliases: { env: 'GRAPHQL_MAX_ALIASES', default: 10, min: 1, max: 1000, doc: 'aliases per operation.' },
  graphqlMaxCost: {
    env: 'GRAPHQL_MAX_COST',
    default: 1000,
    min: 1,
    max: 1_000_000,
    doc: 'operation cost (objects 2, scalars 1, ×1.5 per level; a page × its first/last, variables included; scalars inside a page 0).',
  },
  graphqlMaxTokens: { env: 'GRAPHQL_MAX_TOKENS', default: 1000, min: 1, max: 1_000_000, doc: 'lexer tokens per document.' },
  graphqlMaxDirectives: { env: 'GRAPHQL_MAX_DIRECTIVES', default: 20, min: 1, max: 1000, doc: 'directives per operation.' },
  graphqlMaxOperationsPerRequest: {
    env: 'GRAPHQL_MAX_OPERATIONS_PER_REQUEST',
    default: 1,
    min: 1,
    max: 100,
    doc: 'operations in one HTTP request; 1 turns batching off.',
  },
  graphqlMaxBodyBytes: { env: 'GRAPHQL_MAX_BODY_BYTES', default: 64 * 1024, min: 1024, max: 16 * 1024 * 1024, doc: 'largest request body.' },
} as const satisfies Record<string, LimitDeclaration>;

export type LimitName = keyof typeof coreLimits | ModuleLimitName;

/** Every limit, by the camelCase name services read (`config.limits.otpTtlSeconds`). */
export type Limits = { [K in LimitName]: number };

export type LimitEntry = LimitDeclaration & { key: LimitName; module: string };

/** Every limit of `modules` with its owner ('core' or the module that declares it); default: the product's modules. */
export function limitTableOf(modules: readonly DeclaringModule[] = moduleDeclarationList): readonly LimitEntry[] {
  return Object.freeze([
    ...Object.entries(coreLimits).map(([key, d]) => ({ key: key as LimitName, module: 'core', ...d })),
    ...declaredEntriesOf(modules).limits.map((e) => ({ key: e.key as LimitName, module: e.module, ...e.value })),
  ]);
}

/** Every limit with its owner ('core' or the module that declares it). */
export const limitTable: readonly LimitEntry[] = limitTableOf();

const byKey = <T>(pick: (d: LimitDeclaration) => T) =>
  Object.freeze(Object.fromEntries(limitTable.map((d) => [d.key, pick(d)]))) as Readonly<Record<LimitName, T>>;

/** Every default number Warden uses, with its unit in its name. */
export const defaultLimits: Readonly<Limits> = byKey((d) => d.default);

/** Environment variable name for each limit. */
export const limitEnvNames: Readonly<Record<LimitName, string>> = byKey((d) => d.env);
