/**
 * Every default number Warden uses, with its unit in its name.
 * Each one can be overridden by the environment variable named beside it (see README "Limits").
 */
export const defaultLimits = {
  /** OTP_LENGTH */ otpLength: 6,
  /** OTP_TTL_SECONDS: how long an emailed or texted code stays valid. */ otpTtlSeconds: 10 * 60,
  /** OTP_MAX_ATTEMPTS: wrong tries per challenge before it locks. */ otpMaxAttempts: 5,
  /** OTP_RESEND_COOLDOWN_SECONDS: minimum wait between two sends of one challenge. */ otpResendCooldownSeconds: 60,
  /** OTP_MAX_SENDS: sends (first + resends) per challenge. */ otpMaxSends: 5,
  /** ACCESS_TOKEN_TTL_SECONDS */ accessTokenTtlSeconds: 15 * 60,
  /** REFRESH_TOKEN_TTL_SECONDS: absolute lifetime of a session. */ refreshTokenTtlSeconds: 30 * 24 * 3600,
  /** REFRESH_IDLE_TTL_SECONDS: a session unused this long ends. */ refreshIdleTtlSeconds: 7 * 24 * 3600,
  /** REFRESH_REUSE_INTERVAL (contract name): seconds a rotated refresh token is still honoured. */
  refreshReuseIntervalSeconds: 10,
  /** MAGIC_LINK_TTL_SECONDS */ magicLinkTtlSeconds: 15 * 60,
  /** PASSWORD_RESET_TTL_SECONDS: lifetime of a reset link and code. */ passwordResetTtlSeconds: 30 * 60,
  /** BCRYPT_COST */ bcryptCost: 12,
  /** PASSWORD_HASH_MAX_QUEUE: hashes waiting for a worker before new ones are refused. */ passwordHashMaxQueue: 64,
  /** PASSWORD_HASH_THREADS: worker threads that hash passwords; 0 = one per core. */ passwordHashThreads: 0,
  /**
   * PASSWORD_HASH_NICENESS: Linux nice value of those threads (0–19; 0 leaves them alone), so that under a
   * login storm the event loop (every other request) is served before the next slice of hashing.
   */
  passwordHashNiceness: 10,
  /** VERIFIED_TOKEN_CACHE_MAX_ENTRIES: access tokens remembered as verified (until they expire); 0 turns the cache off. */
  verifiedTokenCacheMaxEntries: 10_000,
  /**
   * REVOCATION_MAX_LAG_MS: how far behind the local copy of the revocation list may be (pub/sub heartbeat)
   * before each request asks the store instead. Bounds how long a revocation takes to reach every instance.
   */
  revocationMaxLagMs: 750,
  /** PASSWORD_MIN_LENGTH */ passwordMinLength: 8,
  /** PASSWORD_MAX_LENGTH */ passwordMaxLength: 128,
  /** MAX_STRING_LENGTH: any other free-text input (name, organization fields). */ maxStringLength: 200,
  /** RATE_LIMIT_IP_PER_MINUTE: auth mutations per client IP per operation per minute. */ rateLimitIpPerMinute: 30,
  /** RATE_LIMIT_SENDS_PER_HOUR: codes or links sent to one email or phone per hour. */ rateLimitSendsPerHour: 5,
} as const;

export type Limits = { -readonly [K in keyof typeof defaultLimits]: number };

/** Environment variable name for each limit. */
export const limitEnvNames: Record<keyof Limits, string> = {
  otpLength: 'OTP_LENGTH',
  otpTtlSeconds: 'OTP_TTL_SECONDS',
  otpMaxAttempts: 'OTP_MAX_ATTEMPTS',
  otpResendCooldownSeconds: 'OTP_RESEND_COOLDOWN_SECONDS',
  otpMaxSends: 'OTP_MAX_SENDS',
  accessTokenTtlSeconds: 'ACCESS_TOKEN_TTL_SECONDS',
  refreshTokenTtlSeconds: 'REFRESH_TOKEN_TTL_SECONDS',
  refreshIdleTtlSeconds: 'REFRESH_IDLE_TTL_SECONDS',
  refreshReuseIntervalSeconds: 'REFRESH_REUSE_INTERVAL',
  magicLinkTtlSeconds: 'MAGIC_LINK_TTL_SECONDS',
  passwordResetTtlSeconds: 'PASSWORD_RESET_TTL_SECONDS',
  bcryptCost: 'BCRYPT_COST',
  passwordHashMaxQueue: 'PASSWORD_HASH_MAX_QUEUE',
  passwordHashThreads: 'PASSWORD_HASH_THREADS',
  passwordHashNiceness: 'PASSWORD_HASH_NICENESS',
  verifiedTokenCacheMaxEntries: 'VERIFIED_TOKEN_CACHE_MAX_ENTRIES',
  revocationMaxLagMs: 'REVOCATION_MAX_LAG_MS',
  passwordMinLength: 'PASSWORD_MIN_LENGTH',
  passwordMaxLength: 'PASSWORD_MAX_LENGTH',
  maxStringLength: 'MAX_STRING_LENGTH',
  rateLimitIpPerMinute: 'RATE_LIMIT_IP_PER_MINUTE',
  rateLimitSendsPerHour: 'RATE_LIMIT_SENDS_PER_HOUR',
};
