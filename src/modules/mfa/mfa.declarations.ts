import type { ModuleDeclarations } from '../declaration-types';

const D = 24 * 3600;

/** What the mfa capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const mfaDeclarations = {
  auditEvents: {
    mfaEnrollmentStarted: 'mfa.enrollment_started',
    mfaFactorEnrolled: 'mfa.factor_enrolled',
    mfaFactorRemoved: 'mfa.factor_removed',
    /** A first factor passed for a user with a second factor: an MFA challenge was opened. */
    mfaChallenged: 'mfa.challenged',
    mfaVerified: 'mfa.verified',
    mfaFailed: 'mfa.failed',
    recoveryCodeUsed: 'mfa.recovery_code_used',
    recoveryCodesRegenerated: 'mfa.recovery_codes_regenerated',
    reauthenticationRequested: 'session.reauthentication_requested',
  },
  rateLimits: { 'mfa.enroll': 'default', 'mfa.verify-recovery-code': 'default', 'mfa.reauthenticate': 'default' },
  limits: {
    mfaMaxFailures: {
      env: 'MFA_MAX_FAILURES',
      default: 10,
      min: 1,
      max: 100,
      doc: 'wrong second-factor codes (authenticator or recovery) per user per MFA_FAILURE_WINDOW_SECONDS.',
    },
    mfaFailureWindowSeconds: { env: 'MFA_FAILURE_WINDOW_SECONDS', default: 15 * 60, min: 60, max: D, doc: 'the window of MFA_MAX_FAILURES.' },
    mfaEnrollmentTtlSeconds: {
      env: 'MFA_ENROLLMENT_TTL_SECONDS',
      default: 15 * 60,
      min: 60,
      max: D,
      doc: 'how long a started authenticator enrollment waits for its first code.',
    },
    mfaLockoutThreshold: {
      env: 'MFA_LOCKOUT_THRESHOLD',
      default: 100,
      min: 1,
      max: 100,
      doc: 'consecutive wrong second-factor codes (any window, cleared by a success) that lock second-factor sign-in; the lock lasts LOGIN_LOCKOUT_SECONDS and doubles on each repeat.',
    }, // NIST 800-63B: at most 100 consecutive failures
  },
  codePurposes: ['MFA', 'REAUTHENTICATION'],
  // MFA codes come from an authenticator app, never by mail.
  mail: { REAUTHENTICATION: { title: 'Confirm it is you' } },
  errorCodes: {
    MFA_REQUIRED: { message: 'A second factor is required to finish signing in.', logLevel: 'info' },
    REAUTHENTICATION_REQUIRED: { message: 'Confirm it is you: sign in again to do this.', logLevel: 'info' },
  },
  inputBounds: { factorId: 64, recoveryCode: 64 },
} as const satisfies ModuleDeclarations;
