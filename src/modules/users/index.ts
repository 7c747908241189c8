import { usersRetentionJobs } from './users.retention';
import type { WardenModule } from '../module';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';
import { ViewerResolver } from './viewer.resolver';

/** Accounts, organizations and the viewer query. */
export const usersModule: WardenModule = {
  name: 'users',
  entities: [OrganizationEntity, UserEntity],
  resolvers: [ViewerResolver],
  jobs: usersRetentionJobs,
};
