import type { ModuleDeclarations } from '../declaration-types';

const D = 24 * 3600;

/** What the rate-limits capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const rateLimitsDeclarations = {
  limits: {
    rateLimitIpPerMinute: {
      env: 'RATE_LIMIT_IP_PER_MINUTE',
      default: 30,
      min: 1,
      max: 1_000_000_000,
      doc: 'auth mutations per client IP per operation per minute.',
    },
    rateLimitIpSessionPerMinute: {
      env: 'RATE_LIMIT_IP_SESSION_PER_MINUTE',
      default: 120,
      min: 1,
      max: 1_000_000_000,
      doc: 'session mutations (refreshSession, logout…) per client IP per operation per minute.',
    },
    rateLimitSendsPerHour: {
      env: 'RATE_LIMIT_SENDS_PER_HOUR',
      default: 5,
      min: 1,
      max: 1_000_000_000,
      doc: 'codes or links sent to one email or phone per hour.',
    },
    rateLimitCodeChecksPerHour: {
      env: 'RATE_LIMIT_CODE_CHECKS_PER_HOUR',
      default: 15,
      min: 1,
      max: 1_000_000_000,
      doc: 'codes checked (verifyOtp, resetPassword by code) per email or phone per hour.',
    },
    loginLockoutThreshold: {
      env: 'LOGIN_LOCKOUT_THRESHOLD',
      default: 10,
      min: 1,
      max: 1_000_000_000,
      doc: 'failed passwords for one email that lock its password login.',
    },
    loginLockoutSeconds: { env: 'LOGIN_LOCKOUT_SECONDS', default: 15 * 60, min: 1, max: 30 * D, doc: 'the first lock; each repeat doubles it.' },
    loginLockoutMaxSeconds: { env: 'LOGIN_LOCKOUT_MAX_SECONDS', default: 60 * 60, min: 1, max: 30 * D, doc: 'the longest lock.' },
    loginFailureWindowSeconds: {
      env: 'LOGIN_FAILURE_WINDOW_SECONDS',
      default: 24 * 3600,
      min: 60,
      max: 90 * D,
      doc: 'how long failures (and past locks, for doubling) are remembered.',
    },
    smsDailyCapPerPhone: { env: 'SMS_DAILY_CAP_PER_PHONE', default: 10, min: 1, max: 10_000, doc: 'texts to one phone number per 24 hours.' },
    smsHourlyCapPerCountryCode: {
      env: 'SMS_HOURLY_CAP_PER_COUNTRY_CODE',
      default: 100,
      min: 1,
      max: 1_000_000_000,
      doc: 'texts to one country calling code (+44, +1…) per hour.',
    },
  },
  errorCodes: {
    RATE_LIMITED: { message: 'Too many requests. Try again later.', logLevel: 'warn' },
  },
} as const satisfies ModuleDeclarations;
