// ESLint (flat config) with typescript-eslint: the recommended set plus a few type-aware rules that
// catch real bugs (floating promises, awaiting non-promises). Formatting is Prettier's job, not ESLint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Resolvers are the transport: they call services and never reach storage, crypto or senders (STYLE.md). */
const resolverForbiddenImports = ['typeorm', 'ioredis', 'jose', 'bcryptjs', 'nodemailer', 'twilio'];

export default tseslint.config(
  // examples/hello-module is linted as a module is (docs/architecture.md shows it whole).
  { ignores: ['dist/**', 'node_modules/**', 'examples/*', '!examples/hello-module', '!examples/webhook-receiver', 'coverage/**', 'test-artifacts/**', 'test/graphql/generated/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      // `let x!: T` assigned inside a callback defined before the assignment (servers in test/support).
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      // TypeORM entity lists and type-graphql containers are typed with the bare `Function` class type.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Tests and the benchmark read JSON answers of the API under test: `any` there is the wire format.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/**/*.resolver.ts', 'examples/hello-module/*.resolver.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: resolverForbiddenImports.map((name) => ({ name, message: 'Resolvers stay a transport: call a service instead.' })),
        },
      ],
    },
  },
);
