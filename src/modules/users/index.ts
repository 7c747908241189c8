import { usersRetentionJobs } from './users.retention';
import type { WardenModule } from '../module';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';
import { ViewerResolver } from './viewer.resolver';
import { usersDeclarations } from './users.declarations';

// What other modules use to read and write users and organizations (they never import user.entity.ts: the
// module-tables-are-private rule). They import the files themselves: importing this index would close a cycle
// through the resolvers.
export { UsersService } from './users.service';
export { userStatements } from './user-statements';

/** Accounts, organizations and the viewer query. */
export const usersModule: WardenModule = {
  name: 'users',
  entities: [OrganizationEntity, UserEntity],
  resolvers: [ViewerResolver],
  jobs: usersRetentionJobs,
  ...usersDeclarations,
};

// The users table as other modules reach it (module tables are private: no other module imports user.entity.ts).
export type { UserEntity } from './user.entity';
export {
  deleteEmptyOrganizations,
  deleteErasedAccounts,
  exportOrganization,
  exportProfile,
  findUser,
  lockAccountsDueForErasure,
  lockUser,
  lockUserByEmail,
  updateUser,
  type UserPatch,
} from './user-rows';
