import type { ModuleDeclarations } from '../declaration-types';

const D = 24 * 3600;

/** What the password-reset capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const passwordResetDeclarations = {
  auditEvents: {
    passwordResetRequested: 'password_reset.requested',
    passwordResetSent: 'password_reset.sent',
    passwordResetCompleted: 'password_reset.completed',
    passwordResetFailed: 'password_reset.failed',
  },
  rateLimits: { 'password-reset.request': 'default', 'password-reset.reset': 'default' },
  limits: {
    passwordResetTtlSeconds: { env: 'PASSWORD_RESET_TTL_SECONDS', default: 30 * 60, min: 60, max: D, doc: 'lifetime of a reset link and code.' },
  },
  codePurposes: ['PASSWORD_RESET'],
  mail: { PASSWORD_RESET: { title: 'Reset your password' } },
} as const satisfies ModuleDeclarations;
