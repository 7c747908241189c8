/**
 * dependency-cruiser rules (npm run lint). Type-only imports count: a cycle through types is still a cycle
 * in the design, and type-graphql/TypeORM decorators turn many "types" into runtime references.
 *
 * Layers: src/graphql and src/http are the transport. Domain code (src/modules) and the adapters
 * (mail, sms, store, crypto, db, metrics) never import them, except the files inside a module that are
 * themselves transport: resolvers, GraphQL object/input types, the module descriptor (index.ts, which may
 * register HTTP routes) and the resolver helper auth-payload.ts.
 */
/** Transport-side files inside src/modules (allowed to import src/graphql and src/http). */
const moduleTransportFiles = '^src/modules/[^/]+/([^/]+\\.(resolver|type|input)\\.ts|index\\.ts|auth-payload\\.ts)$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle anywhere in src (type-only imports included).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'domain-not-transport',
      severity: 'error',
      comment:
        'Domain modules and adapters do not import the transport (src/graphql, src/http); only resolvers, GraphQL types/inputs, module descriptors and auth-payload.ts inside a module may.',
      from: { path: '^src/(modules|mail|sms|store|crypto|db|metrics)/', pathNot: moduleTransportFiles },
      to: { path: '^src/(graphql|http)/' },
    },
    {
      name: 'not-to-app',
      severity: 'error',
      comment: 'Only the composition root (src/app.ts, src/app/) wires things together; nothing below imports it.',
      from: { path: '^src/(?!app(\\.ts$|/))', pathNot: '^src/main\\.ts$' },
      to: { path: '^src/app(\\.ts$|/)' },
    },
    {
      name: 'embedded-postgres-lazily',
      severity: 'error',
      comment: 'PGlite is for development only: reached through one dynamic import in src/app/infrastructure.ts.',
      from: { path: '^src/', pathNot: '^src/db/embedded-postgres\\.ts$' },
      to: { path: '(^src/db/embedded-postgres\\.ts$|@electric-sql/pglite)', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'module-tables-are-private',
      severity: 'error',
      comment:
        "Modules own their tables: a module reads or writes another module's table only through what that module's index.ts lists (its services, its *-statements.ts SQL fragments; imported from those files, as importing an index would close a cycle through the resolvers), never by importing its *.entity.ts. An entity file may name another module's entity for a TypeORM relation (schema, not access).",
      from: { path: '^src/modules/([^/]+)/', pathNot: '\\.entity\\.ts$' },
      to: { path: '^src/modules/[^/]+/[^/]+\\.entity\\.ts$', pathNot: '^src/modules/$1/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.test\\.ts$)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['cjs', 'es6'],
  },
};
