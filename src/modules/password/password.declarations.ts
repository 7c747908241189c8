import type { ModuleDeclarations } from '../declaration-types';

/** What the password capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const passwordDeclarations = {
  auditEvents: {
    loginPasswordChecked: 'login.password_checked',
  },
  rateLimits: { 'password.signup': 'default', 'password.login': 'default' },
  limits: {
    bcryptCost: {
      env: 'BCRYPT_COST',
      default: 12,
      min: 4,
      max: 15,
      doc: 'hashes made at another cost are re-hashed at this one on the next successful login.',
    },
    passwordHashMaxQueue: {
      env: 'PASSWORD_HASH_MAX_QUEUE',
      default: 64,
      min: 1,
      max: 100_000,
      doc: 'hashes waiting for a worker before new ones are refused.',
    },
    passwordHashThreads: { env: 'PASSWORD_HASH_THREADS', default: 0, min: 0, max: 256, doc: 'worker threads that hash passwords; 0 = one per core.' },
    passwordHashNiceness: {
      env: 'PASSWORD_HASH_NICENESS',
      default: 10,
      min: 0,
      max: 19,
      doc: 'Linux nice value of those threads (0–19; 0 leaves them alone), so that under a login storm the event loop (every other request) is served before the next slice of hashing.',
    },
    passwordMinLength: { env: 'PASSWORD_MIN_LENGTH', default: 8, min: 1, max: 256, doc: 'shortest password accepted.' },
    passwordMaxLength: { env: 'PASSWORD_MAX_LENGTH', default: 128, min: 8, max: 256, doc: 'longest password accepted.' },
  },
  errorCodes: {
    WEAK_PASSWORD: { message: 'The password does not meet the policy.', logLevel: 'info' },
    INVALID_CREDENTIALS: { message: 'Email or password is incorrect.', logLevel: 'info' },
  },
  inputBounds: { logoUrl: 2048 },
} as const satisfies ModuleDeclarations;
