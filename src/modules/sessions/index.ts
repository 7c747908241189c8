import { sessionsRetentionJobs } from './sessions.retention';
import { SigningKeys } from '../../crypto/signing-keys';
import type { WardenModule } from '../module';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SessionEntity } from './session.entity';
import { SessionsResolver } from './sessions.resolver';

/** Sessions, rotating refresh tokens, access tokens and the public keys that verify them. */
export const sessionsModule: WardenModule = {
  name: 'sessions',
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
};

// Session rows as other modules reach them (module tables are private: no other module imports session.entity.ts).
export { exportSessions, lockSession, sessionState, type SessionState } from './session-rows';
