import { usersRetentionJobs } from './users.retention';
import type { WardenModule } from '../module';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';
import { ViewerResolver } from './viewer.resolver';
import { usersDeclarations } from './users.declarations';

/** Accounts, organizations and the viewer query. */
export const usersModule: WardenModule = {
  name: 'users',
  entities: [OrganizationEntity, UserEntity],
  resolvers: [ViewerResolver],
  jobs: usersRetentionJobs,
  ...usersDeclarations,
};
