import { magicLinkRetentionJobs } from './magic-link.retention';
import type { WardenModule } from '../module';
import { MagicLinkTokenEntity } from './magic-link-token.entity';
import { MagicLinkResolver } from './magic-link.resolver';
import { magicLinkDeclarations } from './magic-link.declarations';

/** Sign-in links sent by email. */
export const magicLinkModule: WardenModule = {
  name: 'magic-link',
  entities: [MagicLinkTokenEntity],
  resolvers: [MagicLinkResolver],
  jobs: magicLinkRetentionJobs,
  ...magicLinkDeclarations,
};

// Module tables are private: other modules spend links through this, never through magic-link-token.entity.ts.
export { spendOutstandingLinks } from './link-rows';
