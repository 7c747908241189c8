import type { ModuleDeclarations } from '../declaration-types';

const H = 3600;

/** What the otp capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const otpDeclarations = {
  auditEvents: {
    otpRequested: 'otp.requested',
    otpSent: 'otp.sent',
    otpResent: 'otp.resent',
    otpVerified: 'otp.verified',
    otpFailed: 'otp.failed',
  },
  rateLimits: { 'otp.request': 'default', 'otp.resend': 'default', 'otp.verify': 'default' },
  limits: {
    otpLength: { env: 'OTP_LENGTH', default: 6, min: 6, max: 10, doc: 'digits in an emailed or texted code.' },
    otpTtlSeconds: { env: 'OTP_TTL_SECONDS', default: 10 * 60, min: 60, max: H, doc: 'how long an emailed or texted code stays valid.' },
    otpMaxAttempts: { env: 'OTP_MAX_ATTEMPTS', default: 5, min: 1, max: 20, doc: 'wrong tries per challenge before it locks.' },
    otpResendCooldownSeconds: { env: 'OTP_RESEND_COOLDOWN_SECONDS', default: 60, min: 0, max: H, doc: 'minimum wait between two sends of one challenge.' },
    otpMaxSends: { env: 'OTP_MAX_SENDS', default: 5, min: 1, max: 20, doc: 'sends (first + resends) per challenge.' },
  },
  codePurposes: ['SIGNUP', 'LOGIN'],
  mail: { SIGNUP: { title: 'Confirm your email' }, LOGIN: { title: 'Your sign-in code' } },
  errorCodes: {
    INVALID_OTP: { message: 'The code is incorrect.', logLevel: 'info' },
    OTP_EXPIRED: { message: 'The code has expired or can no longer be used. Request a new one.', logLevel: 'info' },
  },
} as const satisfies ModuleDeclarations;
