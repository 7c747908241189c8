import type { ModuleDeclarations } from '../declaration-types';

/** What the passkeys capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const passkeysDeclarations = {
  auditEvents: {
    passkeyRegistered: 'passkey.registered',
    passkeyRegistrationFailed: 'passkey.registration_failed',
    passkeyUsed: 'passkey.used',
    passkeyFailed: 'passkey.failed',
    /** An assertion's signature counter went backwards: the passkey was flagged (a cloned authenticator) and no longer signs in. */
    passkeyFlagged: 'passkey.flagged',
    passkeyRenamed: 'passkey.renamed',
    passkeyRemoved: 'passkey.removed',
  },
  rateLimits: {
    'passkeys.registration-start': 'default',
    'passkeys.registration-finish': 'default',
    'passkeys.authentication-start': 'default',
    'passkeys.authentication-finish': 'default',
    'passkeys.rename': 'default',
    'passkeys.remove': 'default',
  },
} as const satisfies ModuleDeclarations;
