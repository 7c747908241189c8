import type { ModuleDeclarations } from '../declaration-types';

/** What the users capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const usersDeclarations = {
  auditEvents: {
    userSignedUp: 'user.signed_up',
    signupDuplicateAttempted: 'signup.duplicate_attempted',
    userCreatedFromPhone: 'user.created_from_phone',
    /** An account with nothing verified was deleted UNVERIFIED_ACCOUNT_TTL_DAYS after signup (retention sweep). */
    userExpired: 'user.expired',
  },
  // Emitted through kernel.events (contract, "Events and webhooks"); aggregate: the user.
  events: {
    userCreated: 'user.created',
    userUpdated: 'user.updated',
  },
  limits: {
    profileCacheMaxEntries: {
      env: 'PROFILE_CACHE_MAX_ENTRIES',
      default: 10_000,
      min: 0,
      max: 10_000_000,
      doc: "users and organizations kept in memory for viewer's profile fields; 0 turns the cache off.",
    },
    profileCacheTtlSeconds: {
      env: 'PROFILE_CACHE_TTL_SECONDS',
      default: 300,
      min: 1,
      max: 86_400,
      doc: 'the longest a cached profile is used (a bound even if an invalidation were lost).',
    },
  },
  errorCodes: {
    LAST_SIGN_IN_METHOD: { message: 'This is the last way to sign in to the account; add another one first.', logLevel: 'info' },
  },
} as const satisfies ModuleDeclarations;
