// Two projects (STYLE.md "Tests in two layers"): unit tests beside the code, integration tests over HTTP
// against real PostgreSQL/Redis (or the embedded defaults when DATABASE_URL/REDIS_URL are unset).
// @swc/jest keeps decorator metadata (type-graphql and TypeORM need it).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// ES-module-only packages that swc turns into CommonJS for jest (Node itself loads them with require(esm)).
const esm = '(jose|openid-client|oauth4webapi|oidc-provider|@scure/base|@noble/hashes|canonicalize)';

// @warden/client (packages/client) is tested from its TypeScript source, so no build is needed first; its
// ES-module sources import each other as './x.js', which maps back to './x' for swc's CommonJS.
const wardenClient = {
  '^@warden/client$': '<rootDir>/packages/client/src/index.ts',
  '^@warden/client/(apollo|urql|server)$': '<rootDir>/packages/client/src/$1.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swc, [`/node_modules/${esm}/.+\\.js$`]: swc },
      transformIgnorePatterns: [`/node_modules/(?!${esm}/)`],
      testMatch: ['<rootDir>/src/**/*.test.ts'],
      testPathIgnorePatterns: ['\\.contract\\.test\\.ts$', '/node_modules/'],
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': swc, [`/node_modules/${esm}/.+\\.js$`]: swc },
      transformIgnorePatterns: [`/node_modules/(?!${esm}/)`],
      testMatch: ['<rootDir>/test/**/*.test.ts', '<rootDir>/src/**/*.contract.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/examples/'],
      moduleNameMapper: wardenClient,
      setupFiles: ['<rootDir>/test/support/setup-env.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testTimeout: 60_000,
  // Against real servers (DATABASE_URL set) every test file has its own schema and key prefix, and most of
  // a file's time is waiting on sockets: two workers even on two cores (jest would take one) halve the run.
  // Embedded PGlite serves one session to everybody: one worker there.
  ...(process.env.DATABASE_URL ? { maxWorkers: 2 } : {}),
  // Never in band: the suite in one process outgrew a 4 GB heap (embedded run, 117 of 129 files). Workers are
  // started afresh once a file leaves one above this (jest runs in band only without a memory limit).
  workerIdleMemoryLimit: '1GB',
};
