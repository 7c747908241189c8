import { magicLinkRetentionJobs } from './magic-link.retention';
import type { WardenModule } from '../module';
import { MagicLinkTokenEntity } from './magic-link-token.entity';
import { MagicLinkResolver } from './magic-link.resolver';

// What other modules use (a completed reset voids every link). They import the file itself: importing this index
// would close a cycle.
export { MagicLinkService } from './magic-link.service';

/** Sign-in links sent by email. */
export const magicLinkModule: WardenModule = {
  name: 'magic-link',
  entities: [MagicLinkTokenEntity],
  resolvers: [MagicLinkResolver],
  jobs: magicLinkRetentionJobs,
};
