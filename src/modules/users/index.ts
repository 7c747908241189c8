import { usersRetentionJobs } from './users.retention';
import type { WardenModule } from '../module';
import type { SessionsProvides } from '../sessions';
import { UserEntity } from './user.entity';
import { ViewerResolver } from './viewer.resolver';
import { usersDeclarations } from './users.declarations';
import { UsersService } from './users.service';
import { ProfileCache } from './profile-cache';
import { SignInMethods, coreSignInMethodSources } from './sign-in-methods';

/** What the users module provides its dependents. */
export interface UsersProvides {
  users: UsersService;
  /** LAST_SIGN_IN_METHOD: every module's signInMethods hooks, counted. */
  signInMethods: SignInMethods;
}

// What other modules use to read and write users and organizations (they never import user.entity.ts: the
// module-tables-are-private rule). They import the files themselves: importing this index would close a cycle
// through the resolvers.
export { UsersService } from './users.service';
export { userStatements } from './user-statements';

/** Accounts and the viewer query (organizations and memberships: the organizations module). */
/**
 * A signup commits its account, then mails the code, and deletes the account when the mail is refused: its events wait
 * past the longest send (connection, greeting and socket waits) so a refused signup never reaches the feed.
 */
export function signupEventHoldMs(mailSendTimeoutMs: number): number {
  return 3 * mailSendTimeoutMs + 5000;
}

export const usersModule: WardenModule = {
  name: 'users',
  // The profile cache is invalidated through the sessions' revocation channel.
  dependsOn: ['sessions'],
  build(kernel, peers) {
    const { revocations } = peers.of<SessionsProvides>('sessions');
    // Profiles (viewer's email, name, organization) in memory, invalidated through the revocation channel.
    const profiles = new ProfileCache(revocations, {
      maxEntries: kernel.limits.profileCacheMaxEntries,
      ttlSeconds: kernel.limits.profileCacheTtlSeconds,
      onPublishError: (err) => kernel.logger.error({ err }, 'profile change not published: other instances keep it until PROFILE_CACHE_TTL_SECONDS'),
    });
    const users = new UsersService(kernel.db, profiles, kernel.events, signupEventHoldMs(kernel.config.mailSendTimeoutMs));
    // Ways into an account (LAST_SIGN_IN_METHOD): every module's own source, read when counted.
    const signInMethods = new SignInMethods(() => kernel.hooks.signInMethods());
    const provides: UsersProvides = { users, signInMethods };
    return { provides, instances: [users, signInMethods, new ViewerResolver(users)], hooks: { signInMethods: coreSignInMethodSources() } };
  },
  entities: [UserEntity],
  resolvers: [ViewerResolver],
  jobs: usersRetentionJobs,
  ...usersDeclarations,
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
