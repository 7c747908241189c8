import type { ModuleDeclarations } from '../../src/modules/declaration-types';

/** HELLO_GREETING: a template with `{name}` once; throws the refusal (without the variable's name) otherwise. */
export function parseGreeting(raw: string): string {
  if (raw.length > 60) throw new Error(`${raw.length} characters, at most 60`);
  if (raw.split('{name}').length !== 2) throw new Error('must contain {name} once');
  return raw;
}

/** What the hello capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const helloDeclarations = {
  auditEvents: { helloGreeted: 'hello.greeted' },
  limits: {
    helloMaxNameLength: { env: 'HELLO_MAX_NAME_LENGTH', default: 40, min: 1, max: 100, doc: 'longest name `hello` greets.' },
  },
  settings: {
    helloGreeting: {
      env: 'HELLO_GREETING',
      default: 'Hello, {name}!',
      doc: 'the greeting `hello` answers: at most 60 characters, with `{name}` once where the name goes.',
      parse: (raw: string | undefined) => parseGreeting(raw ?? ''),
    },
  },
  errorCodes: {
    NAME_NOT_GREETED: { message: 'That name is longer than this gateway greets.', logLevel: 'info' },
  },
} as const satisfies ModuleDeclarations;
