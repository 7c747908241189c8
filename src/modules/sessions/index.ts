import { sessionsRetentionJobs } from './sessions.retention';
import { SigningKeys } from '../../crypto/signing-keys';
import type { WardenModule } from '../module';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SessionEntity } from './session.entity';
import { SessionsResolver } from './sessions.resolver';
import { sessionsDeclarations } from './sessions.declarations';
import { SessionsService } from './sessions.service';
import { AccessTokens } from './access-tokens';
import { RevocationList } from './revocation-list';
import { chainSignInGates } from './sign-in-gates';

/** What the sessions module provides its dependents. */
export interface SessionsProvides {
  sessions: SessionsService;
  accessTokens: AccessTokens;
  /** The revocation list, whose pub/sub channel other in-process caches share (the profile cache). */
  revocations: RevocationList;
}

// What other modules use (the facade over sign-in, refresh and revocation, and the sessions table's part of
// another module's statement). They import the files themselves: importing this index would close a cycle.
export { SessionsService, allowEverySignIn } from './sessions.service';
export type * from './session-types';
export { liveSessionExistsSql } from './session-statements';

/** Sessions, rotating refresh tokens, access tokens and the public keys that verify them. */
export const sessionsModule: WardenModule = {
  name: 'sessions',
  build(kernel) {
    const { config, limits, clock, keys, hooks } = kernel;
    const accessTokens = new AccessTokens(keys.signingKeys, {
      issuer: config.publicUrl,
      audience: config.accessTokenAudience,
      ttlSeconds: limits.accessTokenTtlSeconds,
      now: clock.now,
      nowMs: clock.nowMs,
      cacheMaxEntries: limits.verifiedTokenCacheMaxEntries,
    });
    const revocations = new RevocationList(kernel.kv, kernel.pubsub, limits.accessTokenTtlSeconds);
    revocations.start();
    kernel.addCleanup(() => revocations.close());
    const sessions = new SessionsService({
      dataSource: kernel.db,
      accessTokens,
      revocations,
      audit: kernel.audit,
      events: kernel.events,
      hmacKey: keys.hmacKey,
      previousHmacKey: keys.previousHmacKey,
      limits,
      notices: kernel.notices,
      productName: config.productName,
      logger: kernel.logger,
      reauthMaxAgeSeconds: config.reauthMaxAgeSeconds,
      now: clock.now,
      // Every module's gates, chained in module-list order, read at each sign-in (mfa is built after sessions).
      signInGate: chainSignInGates(() => hooks.signInGates()),
      onSignedIn: () => hooks.onSignedIn(),
      onSessionsRevoked: () => hooks.onSessionsRevoked(),
      organizationClaims: () => hooks.organizationClaims(),
      tokenScopes: () => hooks.tokenScopes(),
      impersonators: () => hooks.impersonators(),
    });
    const provides: SessionsProvides = { sessions, accessTokens, revocations };
    return { provides, instances: [keys.signingKeys, accessTokens, revocations, sessions, new SessionsResolver(sessions)] };
  },
  entities: [SessionEntity, RefreshTokenEntity],
  resolvers: [SessionsResolver],
  routes: [
    (fastify, services) => {
      const signingKeys = services.get(SigningKeys);
      fastify.get('/.well-known/jwks.json', async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=300');
        return signingKeys.jwks();
      });
    },
  ],
  jobs: sessionsRetentionJobs,
  ...sessionsDeclarations,
};

// Session rows as other modules reach them (module tables are private: no other module imports session.entity.ts).
export { exportSessions, lockSession, sessionState, type SessionState } from './session-rows';
