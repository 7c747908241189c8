import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents from the checked-in schema. `npm run codegen` regenerates; a test fails when the
 * generated files are stale.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'test/graphql/generated/': {
      documents: ['test/graphql/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { DateTime: 'string' },
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
      },
    },
  },
};

export default config;
