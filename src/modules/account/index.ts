import type { WardenModule } from '../module';
import { AccountResolver } from './account.resolver';
import { AccountUserResolver } from './account-user.resolver';
import { accountRetentionJobs } from './account.retention';
import { ContactChangeEntity } from './contact-change.entity';
import { KnownDeviceEntity } from './known-device.entity';
import { accountDeclarations } from './account.declarations';

/**
 * The account lifecycle (issue #12): profile, password, email and phone changes, deletion with recovery,
 * export, security activity, the new-device notice, and erasure after the grace period.
 */
export const accountModule: WardenModule = {
  name: 'account',
  entities: [ContactChangeEntity, KnownDeviceEntity],
  resolvers: [AccountResolver, AccountUserResolver],
  jobs: accountRetentionJobs,
  ...accountDeclarations,
};
