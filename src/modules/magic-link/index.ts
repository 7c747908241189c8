import type { EntityManager } from 'typeorm';
import { spendOutstandingLinks } from './link-rows';
import { magicLinkRetentionJobs } from './magic-link.retention';
import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { RateLimitsProvides } from '../rate-limits';
import { MagicLinkTokenEntity } from './magic-link-token.entity';
import { MagicLinkResolver } from './magic-link.resolver';
import { magicLinkDeclarations } from './magic-link.declarations';
import { MagicLinkService } from './magic-link.service';

/** Sign-in links sent by email. */
export const magicLinkModule: WardenModule = {
  name: 'magic-link',
  dependsOn: ['users', 'sessions', 'rate-limits'],
  build(kernel, peers) {
    const { config, clock } = kernel;
    const magicLinks = new MagicLinkService({
      dataSource: kernel.db,
      users: peers.of<UsersProvides>('users').users,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      audit: kernel.audit,
      mailer: kernel.mailer,
      timing: kernel.timing,
      identifierLimits: peers.of<RateLimitsProvides>('rate-limits').identifierLimits,
      hmacKey: kernel.keys.hmacKey,
      previousHmacKey: kernel.keys.previousHmacKey,
      limits: kernel.limits,
      appUrl: config.appUrl,
      magicLinkPath: config.magicLinkPath,
      redirectAllowlist: config.redirectAllowlist,
      now: clock.now,
    });
    // Its waysIn hook: spends the user's outstanding ones through the same row function other modules use.
    const voidOutstanding = (em: EntityManager, userId: string) => spendOutstandingLinks(em, userId, clock.now());
    return { instances: [magicLinks, new MagicLinkResolver(magicLinks)], hooks: { waysIn: [{ voidOutstanding }] } };
  },
  entities: [MagicLinkTokenEntity],
  resolvers: [MagicLinkResolver],
  jobs: magicLinkRetentionJobs,
  ...magicLinkDeclarations,
};
