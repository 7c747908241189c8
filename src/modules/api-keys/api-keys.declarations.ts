import type { ModuleDeclarations } from '../declaration-types';

/** What the api-keys capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const apiKeysDeclarations = {
  // data.apiKeyId, data.prefix, data.organizationId (null: personal), data.scopes, data.rotatedFromId; never the secret.
  auditEvents: {
    apiKeyCreated: 'api_key.created',
    apiKeyRotated: 'api_key.rotated',
    apiKeyRevoked: 'api_key.revoked',
  },
  // Aggregate: its organization, or (a personal key) its user; data {apiKeyId, prefix, organizationId, createdByUserId, scopes, rotatedFromId}.
  events: {
    apiKeyCreated: 'api_key.created',
    apiKeyRevoked: 'api_key.revoked',
  },
  rateLimits: {
    'api-keys.create': 'default',
    'api-keys.rotate': 'default',
    'api-keys.revoke': 'default',
  },
  limits: {
    apiKeyRateLimitPerMinute: {
      env: 'API_KEY_RATE_LIMIT_PER_MINUTE',
      default: 600,
      min: 1,
      max: 100000,
      doc: 'per key, requests and exchanges together; a key may set less (rateLimitPerMinute).',
    },
    apiKeyAccessTokenTtlSeconds: {
      env: 'API_KEY_ACCESS_TOKEN_TTL_SECONDS',
      default: 300,
      min: 60,
      max: 3600,
      doc: 'lifetime of an access token exchanged for a key at POST /oauth/token.',
    },
    apiKeyMaxPerOwner: {
      env: 'API_KEY_MAX_PER_OWNER',
      default: 50,
      min: 1,
      max: 1000,
      doc: 'live (unrevoked, unexpired) keys per organization and per user; past it createApiKey is FORBIDDEN LIMIT_REACHED.',
    },
  },
  httpRoutes: [
    {
      method: 'POST',
      path: '/oauth/token',
      doc: 'RFC 6749 §4.4 client credentials: an API key (HTTP Basic or client_id/client_secret in the form) for a short-lived access token (docs/api-keys.md)',
    },
  ],
} as const satisfies ModuleDeclarations;
