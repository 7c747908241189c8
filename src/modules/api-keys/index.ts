import type { WardenModule } from '../module';
import type { OrganizationsProvides } from '../organizations';
import type { SessionsProvides } from '../sessions';
import { RateLimiter } from '../rate-limits/rate-limiter';
import { ApiKeyEntity } from './api-key.entity';
import { apiKeysDeclarations } from './api-keys.declarations';
import { ApiKeysOrganizationResolver, ApiKeysResolver, ApiKeysUserResolver } from './api-keys.resolver';
import { apiKeysRetentionJobs } from './api-keys.retention';
import { ApiKeysService } from './api-keys.service';
import { KeyAuth } from './key-auth';
import { KeyCache } from './key-cache';
import { registerTokenRoute } from './token-route';

/** API keys and machine tokens (issue #28): keys, the client-credentials exchange, keys as bearers on /graphql. */
export const apiKeysModule: WardenModule = {
  name: 'api-keys',
  // organizations: memberships and permissions read at every use; sessions: the revocation channel (a revoked key
  // is refused on every instance within its lag).
  dependsOn: ['organizations', 'sessions'],
  build(kernel, peers) {
    const { organizations, catalog } = peers.of<OrganizationsProvides>('organizations');
    const { revocations } = peers.of<SessionsProvides>('sessions');
    const cache = new KeyCache(kernel.db, revocations);
    const keys = new ApiKeysService({
      dataSource: kernel.db,
      audit: kernel.audit,
      events: kernel.events,
      organizations,
      catalog,
      cache,
      hmacKey: kernel.keys.hmacKey,
      maxStringLength: kernel.limits.maxStringLength,
      maxPerOwner: kernel.limits.apiKeyMaxPerOwner,
      maxRatePerMinute: kernel.limits.apiKeyRateLimitPerMinute,
      now: kernel.clock.now,
    });
    const auth = new KeyAuth({
      dataSource: kernel.db,
      cache,
      organizations,
      rateLimiter: new RateLimiter(kernel.kv, kernel.keys.hmacKey),
      kv: kernel.kv,
      signingKeys: kernel.keys.signingKeys,
      hmacKey: kernel.keys.hmacKey,
      previousHmacKey: kernel.keys.previousHmacKey,
      issuer: kernel.config.publicUrl,
      audience: kernel.config.accessTokenAudience,
      tokenTtlSeconds: kernel.limits.apiKeyAccessTokenTtlSeconds,
      ownerChecks: () => kernel.hooks.apiKeyOwnerChecks(),
      revocations,
      now: kernel.clock.now,
      onError: (error) => kernel.logger.warn({ err: error }, 'api key lastUsedAt not written'),
    });
    return {
      instances: [keys, auth, new ApiKeysResolver(keys), new ApiKeysUserResolver(keys), new ApiKeysOrganizationResolver(keys, organizations)],
      hooks: { bearerAuthenticator: auth },
    };
  },
  entities: [ApiKeyEntity],
  resolvers: [ApiKeysResolver, ApiKeysUserResolver, ApiKeysOrganizationResolver],
  routes: [(fastify, services) => registerTokenRoute(fastify, services.get(KeyAuth))],
  jobs: apiKeysRetentionJobs,
  ...apiKeysDeclarations,
};
