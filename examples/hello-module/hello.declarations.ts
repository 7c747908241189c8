import type { ModuleDeclarations } from '../../src/modules/declaration-types';

/** What the hello capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const helloDeclarations = {
  auditEvents: { helloGreeted: 'hello.greeted' },
  limits: {
    helloMaxNameLength: { env: 'HELLO_MAX_NAME_LENGTH', default: 40, min: 1, max: 100, doc: 'longest name `hello` greets.' },
  },
  errorCodes: {
    NAME_NOT_GREETED: { message: 'That name is longer than this gateway greets.', logLevel: 'info' },
  },
} as const satisfies ModuleDeclarations;
