/**
 * Every default number Warden uses, with its unit in its name.
 * Each one can be overridden by the environment variable named beside it (see docs/abuse-resistance.md).
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
  /** MAGIC_LINK_TTL_SECONDS: at most 600 (ASVS 6.5.5: sign-in links live 10 minutes at most). */ magicLinkTtlSeconds: 10 * 60,
  /** OAUTH_FLOW_TTL_SECONDS: how long a provider sign-in started with startOAuth may take to come back. */ oauthFlowTtlSeconds: 10 * 60,
  /** PASSWORD_RESET_TTL_SECONDS: lifetime of a reset link and code. */ passwordResetTtlSeconds: 30 * 60,
  /** BCRYPT_COST: hashes made at another cost are re-hashed at this one on the next successful login. */ bcryptCost: 12,
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
  /** PROFILE_CACHE_MAX_ENTRIES: users and organizations kept in memory for viewer's profile fields; 0 turns the cache off. */
  profileCacheMaxEntries: 10_000,
  /** PROFILE_CACHE_TTL_SECONDS: the longest a cached profile is used (a bound even if an invalidation were lost). */
  profileCacheTtlSeconds: 300,
  /** PASSWORD_MIN_LENGTH */ passwordMinLength: 8,
  /** PASSWORD_MAX_LENGTH */ passwordMaxLength: 128,
  /** MAX_STRING_LENGTH: any other free-text input (name, organization fields). */ maxStringLength: 200,
  /** RATE_LIMIT_IP_PER_MINUTE: auth mutations per client IP per operation per minute. */ rateLimitIpPerMinute: 30,
  /** RATE_LIMIT_IP_SESSION_PER_MINUTE: session mutations (refreshSession, logout…) per client IP per operation per minute. */
  rateLimitIpSessionPerMinute: 120,
  /** RATE_LIMIT_SENDS_PER_HOUR: codes or links sent to one email or phone per hour. */ rateLimitSendsPerHour: 5,
  /** RATE_LIMIT_CODE_CHECKS_PER_HOUR: codes checked (verifyOtp, resetPassword by code) per email or phone per hour. */
  rateLimitCodeChecksPerHour: 15,
  /** LOGIN_LOCKOUT_THRESHOLD: failed passwords for one email that lock its password login. */ loginLockoutThreshold: 10,
  /** LOGIN_LOCKOUT_SECONDS: the first lock; each repeat doubles it. */ loginLockoutSeconds: 15 * 60,
  /** LOGIN_LOCKOUT_MAX_SECONDS: the longest lock. */ loginLockoutMaxSeconds: 60 * 60,
  /** LOGIN_FAILURE_WINDOW_SECONDS: how long failures (and past locks, for doubling) are remembered. */
  loginFailureWindowSeconds: 24 * 3600,
  /** SMS_DAILY_CAP_PER_PHONE: texts to one phone number per 24 hours. */ smsDailyCapPerPhone: 10,
  /** SMS_HOURLY_CAP_PER_COUNTRY_CODE: texts to one country calling code (+44, +1…) per hour. */ smsHourlyCapPerCountryCode: 100,
  /** MFA_MAX_FAILURES: wrong second-factor codes (authenticator or recovery) per user per MFA_FAILURE_WINDOW_SECONDS. */
  mfaMaxFailures: 10,
  /** MFA_FAILURE_WINDOW_SECONDS: the window of MFA_MAX_FAILURES. */ mfaFailureWindowSeconds: 15 * 60,
  /** MFA_ENROLLMENT_TTL_SECONDS: how long a started authenticator enrollment waits for its first code. */ mfaEnrollmentTtlSeconds: 15 * 60,
  /**
   * MFA_LOCKOUT_THRESHOLD (contract): consecutive wrong second-factor codes (any window, cleared by a success) that
   * lock second-factor sign-in; the lock lasts LOGIN_LOCKOUT_SECONDS and doubles on each repeat.
   */
  mfaLockoutThreshold: 100,
  /** GRAPHQL_MAX_DEPTH: deepest selection nesting. */ graphqlMaxDepth: 6,
  /** GRAPHQL_MAX_ALIASES: aliases per operation. */ graphqlMaxAliases: 10,
  /** GRAPHQL_MAX_COST: graphql-armor cost (objects 2, scalars 1, ×1.5 per level). */ graphqlMaxCost: 1000,
  /** GRAPHQL_MAX_TOKENS: lexer tokens per document. */ graphqlMaxTokens: 1000,
  /** GRAPHQL_MAX_DIRECTIVES: directives per operation. */ graphqlMaxDirectives: 20,
  /** GRAPHQL_MAX_OPERATIONS_PER_REQUEST: operations in one HTTP request; 1 turns batching off. */ graphqlMaxOperationsPerRequest: 1,
  /** GRAPHQL_MAX_BODY_BYTES: largest request body. */ graphqlMaxBodyBytes: 64 * 1024,
  /** EMAIL_CHANGE_UNDO_TTL_SECONDS: how long the undo link mailed to the old address works. */ emailChangeUndoTtlSeconds: 3 * 24 * 3600,
  /** ACCOUNT_DELETION_GRACE_DAYS (contract): days a deleted account can be recovered before it is erased. */ accountDeletionGraceDays: 30,
} as const;

export type Limits = { -readonly [K in keyof typeof defaultLimits]: number };

/** Environment variable name for each limit. */
export const limitEnvNames: Record<keyof Limits, string> = {
  otpLength: 'OTP_LENGTH',
  mfaMaxFailures: 'MFA_MAX_FAILURES',
  mfaFailureWindowSeconds: 'MFA_FAILURE_WINDOW_SECONDS',
  mfaEnrollmentTtlSeconds: 'MFA_ENROLLMENT_TTL_SECONDS',
  mfaLockoutThreshold: 'MFA_LOCKOUT_THRESHOLD',
  otpTtlSeconds: 'OTP_TTL_SECONDS',
  otpMaxAttempts: 'OTP_MAX_ATTEMPTS',
  otpResendCooldownSeconds: 'OTP_RESEND_COOLDOWN_SECONDS',
  otpMaxSends: 'OTP_MAX_SENDS',
  accessTokenTtlSeconds: 'ACCESS_TOKEN_TTL_SECONDS',
  refreshTokenTtlSeconds: 'REFRESH_TOKEN_TTL_SECONDS',
  refreshIdleTtlSeconds: 'REFRESH_IDLE_TTL_SECONDS',
  refreshReuseIntervalSeconds: 'REFRESH_REUSE_INTERVAL',
  magicLinkTtlSeconds: 'MAGIC_LINK_TTL_SECONDS',
  oauthFlowTtlSeconds: 'OAUTH_FLOW_TTL_SECONDS',
  passwordResetTtlSeconds: 'PASSWORD_RESET_TTL_SECONDS',
  bcryptCost: 'BCRYPT_COST',
  passwordHashMaxQueue: 'PASSWORD_HASH_MAX_QUEUE',
  passwordHashThreads: 'PASSWORD_HASH_THREADS',
  passwordHashNiceness: 'PASSWORD_HASH_NICENESS',
  verifiedTokenCacheMaxEntries: 'VERIFIED_TOKEN_CACHE_MAX_ENTRIES',
  revocationMaxLagMs: 'REVOCATION_MAX_LAG_MS',
  profileCacheMaxEntries: 'PROFILE_CACHE_MAX_ENTRIES',
  profileCacheTtlSeconds: 'PROFILE_CACHE_TTL_SECONDS',
  passwordMinLength: 'PASSWORD_MIN_LENGTH',
  passwordMaxLength: 'PASSWORD_MAX_LENGTH',
  emailChangeUndoTtlSeconds: 'EMAIL_CHANGE_UNDO_TTL_SECONDS',
  accountDeletionGraceDays: 'ACCOUNT_DELETION_GRACE_DAYS',
  maxStringLength: 'MAX_STRING_LENGTH',
  rateLimitIpPerMinute: 'RATE_LIMIT_IP_PER_MINUTE',
  rateLimitIpSessionPerMinute: 'RATE_LIMIT_IP_SESSION_PER_MINUTE',
  rateLimitSendsPerHour: 'RATE_LIMIT_SENDS_PER_HOUR',
  rateLimitCodeChecksPerHour: 'RATE_LIMIT_CODE_CHECKS_PER_HOUR',
  loginLockoutThreshold: 'LOGIN_LOCKOUT_THRESHOLD',
  loginLockoutSeconds: 'LOGIN_LOCKOUT_SECONDS',
  loginLockoutMaxSeconds: 'LOGIN_LOCKOUT_MAX_SECONDS',
  loginFailureWindowSeconds: 'LOGIN_FAILURE_WINDOW_SECONDS',
  smsDailyCapPerPhone: 'SMS_DAILY_CAP_PER_PHONE',
  smsHourlyCapPerCountryCode: 'SMS_HOURLY_CAP_PER_COUNTRY_CODE',
  graphqlMaxDepth: 'GRAPHQL_MAX_DEPTH',
  graphqlMaxAliases: 'GRAPHQL_MAX_ALIASES',
  graphqlMaxCost: 'GRAPHQL_MAX_COST',
  graphqlMaxTokens: 'GRAPHQL_MAX_TOKENS',
  graphqlMaxDirectives: 'GRAPHQL_MAX_DIRECTIVES',
  graphqlMaxOperationsPerRequest: 'GRAPHQL_MAX_OPERATIONS_PER_REQUEST',
  graphqlMaxBodyBytes: 'GRAPHQL_MAX_BODY_BYTES',
};
