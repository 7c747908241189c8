import { sessionsRetentionJobs } from './sessions.retention';
import { SigningKeys } from '../../crypto/signing-keys';
import type { WardenModule } from '../module';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SessionEntity } from './session.entity';
import { SessionsResolver } from './sessions.resolver';
import { sessionsDeclarations } from './sessions.declarations';

// What other modules use (the facade over sign-in, refresh and revocation, and the sessions table's part of
// another module's statement). They import the files themselves: importing this index would close a cycle.
export { SessionsService, allowEverySignIn } from './sessions.service';
export type * from './session-types';
export { liveSessionExistsSql } from './session-statements';

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
  ...sessionsDeclarations,
};

// Session rows as other modules reach them (module tables are private: no other module imports session.entity.ts).
export { exportSessions, lockSession, sessionState, type SessionState } from './session-rows';
