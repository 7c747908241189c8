import type { ModuleDeclarations } from '../declaration-types';

const H = 3600;
const D = 24 * 3600;

/** What the sessions capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const sessionsDeclarations = {
  // Emitted through kernel.events; aggregate: the user.
  events: {
    sessionCreated: 'session.created',
    sessionRevoked: 'session.revoked',
  },
  auditEvents: {
    sessionCreated: 'session.created',
    sessionRefreshed: 'session.refreshed',
    sessionReauthenticated: 'session.reauthenticated',
    sessionRevoked: 'session.revoked',
    refreshReuseDetected: 'session.reuse_detected',
  },
  httpRoutes: [{ method: 'GET', path: '/.well-known/jwks.json', doc: 'public keys that verify access tokens (`kid` on each), cacheable for 5 minutes' }],
  rateLimits: {
    'sessions.refresh': 'session-upkeep',
    'sessions.logout': 'session-upkeep',
    'sessions.logout-all': 'session-upkeep',
    'sessions.revoke': 'session-upkeep',
  },
  limits: {
    accessTokenTtlSeconds: { env: 'ACCESS_TOKEN_TTL_SECONDS', default: 15 * 60, min: 60, max: D, doc: 'lifetime of an access token.' },
    refreshTokenTtlSeconds: { env: 'REFRESH_TOKEN_TTL_SECONDS', default: 30 * 24 * 3600, min: H, max: 400 * D, doc: 'absolute lifetime of a session.' },
    refreshIdleTtlSeconds: { env: 'REFRESH_IDLE_TTL_SECONDS', default: 7 * 24 * 3600, min: H, max: 400 * D, doc: 'a session unused this long ends.' },
    refreshReuseIntervalSeconds: { env: 'REFRESH_REUSE_INTERVAL', default: 10, min: 0, max: 300, doc: 'seconds a rotated refresh token is still honoured.' },
    verifiedTokenCacheMaxEntries: {
      env: 'VERIFIED_TOKEN_CACHE_MAX_ENTRIES',
      default: 10_000,
      min: 0,
      max: 10_000_000,
      doc: 'access tokens remembered as verified (until they expire); 0 turns the cache off.',
    },
    maxSessionsPerUser: {
      env: 'MAX_SESSIONS_PER_USER',
      default: 100,
      min: 0,
      max: 10_000,
      doc: "live sessions per user (impersonation sessions do not count); a sign-in past it ends the user's least recently used session (`session.revoked`, reason `session_cap`, audited, the user mailed). 0: no cap.",
    },
    revocationMaxLagMs: {
      env: 'REVOCATION_MAX_LAG_MS',
      default: 750,
      min: 100,
      max: 60_000,
      doc: 'how far behind the local copy of the revocation list may be (pub/sub heartbeat) before each request asks the store instead. Bounds how long a revocation takes to reach every instance.',
    },
  },
  inputBounds: { refreshToken: 256 },
} as const satisfies ModuleDeclarations;
