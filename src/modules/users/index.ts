import { usersRetentionJobs } from './users.retention';
import type { WardenModule } from '../module';
import { UserEntity } from './user.entity';
import { ViewerResolver } from './viewer.resolver';

/** Accounts and the viewer query (organizations and memberships: the organizations module). */
export const usersModule: WardenModule = {
  name: 'users',
  entities: [UserEntity],
  resolvers: [ViewerResolver],
  jobs: usersRetentionJobs,
};

// The users table as other modules reach it (module tables are private: no other module imports user.entity.ts).
export type { UserEntity } from './user.entity';
export {
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
