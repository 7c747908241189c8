import { z } from 'zod';
import { limitEnvNames, type Limits } from './limits';

const H = 3600;
const D = 24 * H;

/**
 * [minimum, maximum] of every limit variable. A value outside is refused at start with one line naming
 * the variable. Minimums of 1 mean the limit cannot be switched off with 0.
 */
export const limitBounds: Readonly<Record<keyof Limits, readonly [number, number]>> = {
  otpLength: [6, 10],
  mfaMaxFailures: [1, 100],
  mfaFailureWindowSeconds: [60, D],
  mfaEnrollmentTtlSeconds: [60, D],
  mfaLockoutThreshold: [1, 100], // NIST 800-63B: at most 100 consecutive failures
  otpTtlSeconds: [60, H],
  otpMaxAttempts: [1, 20],
  otpResendCooldownSeconds: [0, H],
  otpMaxSends: [1, 20],
  accessTokenTtlSeconds: [60, D],
  refreshTokenTtlSeconds: [H, 400 * D],
  refreshIdleTtlSeconds: [H, 400 * D],
  refreshReuseIntervalSeconds: [0, 300],
  magicLinkTtlSeconds: [60, 600], // ASVS 6.5.5: out-of-band sign-in secrets live at most 10 minutes
  oauthFlowTtlSeconds: [60, H],
  passwordResetTtlSeconds: [60, D],
  bcryptCost: [4, 15],
  passwordHashMaxQueue: [1, 100_000],
  passwordHashThreads: [0, 256],
  passwordHashNiceness: [0, 19],
  verifiedTokenCacheMaxEntries: [0, 10_000_000],
  revocationMaxLagMs: [100, 60_000],
  profileCacheMaxEntries: [0, 10_000_000],
  profileCacheTtlSeconds: [1, 86_400],
  passwordMinLength: [1, 256],
  passwordMaxLength: [8, 256],
  emailChangeUndoTtlSeconds: [H, 30 * D],
  accountDeletionGraceDays: [1, 365],
  maxStringLength: [1, 1000],
  rateLimitIpPerMinute: [1, 1_000_000_000],
  rateLimitIpSessionPerMinute: [1, 1_000_000_000],
  rateLimitSendsPerHour: [1, 1_000_000_000],
  rateLimitCodeChecksPerHour: [1, 1_000_000_000],
  loginLockoutThreshold: [1, 1_000_000_000],
  loginLockoutSeconds: [1, 30 * D],
  loginLockoutMaxSeconds: [1, 30 * D],
  loginFailureWindowSeconds: [60, 90 * D],
  smsDailyCapPerPhone: [1, 10_000],
  smsHourlyCapPerCountryCode: [1, 1_000_000_000],
  graphqlMaxDepth: [1, 50],
  graphqlMaxAliases: [1, 1000],
  graphqlMaxCost: [1, 1_000_000],
  graphqlMaxTokens: [1, 1_000_000],
  graphqlMaxDirectives: [1, 1000],
  graphqlMaxOperationsPerRequest: [1, 100],
  graphqlMaxBodyBytes: [1024, 16 * 1024 * 1024],
};

/** The zod schema of one limit variable: a whole number within its bounds. */
export function limitSchema(key: keyof Limits): z.ZodType<number> {
  const [min, max] = limitBounds[key];
  const name = limitEnvNames[key];
  return z
    .string()
    .regex(/^\d+$/, `${name}: must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name}: must be at least ${min}`).max(max, `${name}: must be at most ${max}`));
}

/**
 * Rules between limits; each returns the one-line refusal or null.
 * (PASSWORD_MIN_LENGTH above PASSWORD_MAX_LENGTH would refuse every password.)
 */
export const crossLimitRules: readonly ((l: Limits) => string | null)[] = [
  (l) => (l.passwordMinLength > l.passwordMaxLength ? 'PASSWORD_MIN_LENGTH: must not be above PASSWORD_MAX_LENGTH' : null),
  (l) => (l.loginLockoutMaxSeconds < l.loginLockoutSeconds ? 'LOGIN_LOCKOUT_MAX_SECONDS: must be at least LOGIN_LOCKOUT_SECONDS' : null),
  (l) => (l.refreshIdleTtlSeconds > l.refreshTokenTtlSeconds ? 'REFRESH_IDLE_TTL_SECONDS: must not be above REFRESH_TOKEN_TTL_SECONDS' : null),
];
