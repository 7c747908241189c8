import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents from the checked-in schema (`npm run codegen` regenerates both targets;
 * test/codegen.test.ts fails when the generated files are stale):
 * - test/graphql/*.graphql → test/graphql/generated/ for the test suite's urql client;
 * - examples/operations/*.graphql → examples/web/src/generated/ for frontends: typed document nodes
 *   (client preset) that Apollo Client's hooks and urql accept as they are.
 */
const scalars = { DateTime: 'string' };
/** Passkey options (JSON scalars) typed as @simplewebauthn declares them; responses stay unknown (built by the browser library). */
const webauthnOptions = (pkg: string) => ({
  WebAuthnRegistrationOptions: `import('${pkg}').PublicKeyCredentialCreationOptionsJSON`,
  WebAuthnAuthenticationOptions: `import('${pkg}').PublicKeyCredentialRequestOptionsJSON`,
});

const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'test/graphql/generated/': {
      documents: ['test/graphql/**/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { ...scalars, ...webauthnOptions('@simplewebauthn/server') },
        enumsAsTypes: true,
        useTypeImports: true,
        skipTypename: true,
      },
    },
    'examples/web/src/generated/': {
      documents: ['examples/operations/*.graphql'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { ...scalars, ...webauthnOptions('@simplewebauthn/browser') },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
