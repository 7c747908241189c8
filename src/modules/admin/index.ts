import type { WardenModule } from '../module';
import type { SessionsProvides } from '../sessions';
import type { UsersProvides } from '../users';
import { adminDeclarations } from './admin.declarations';
import { Admins } from './admins';
import { AdminService } from './admin.service';
import { AdminDetails } from './admin-details';
import { AdminResolver, AdminUserFieldsResolver } from './admin.resolver';
import { BanGate, banInForce } from './bans';
import { UserBanEntity } from './user-ban.entity';
import { adminRetentionJobs } from './admin.retention';
import { ImpersonationService } from './impersonation.service';
import { ImpersonationResolver, ImpersonatorUserResolver } from './impersonation.resolver';

/** What the admin module provides its dependents (the audit export route, global webhook endpoints, events). */
export interface AdminProvides {
  /** isAdmin(user), requireAdmin(request, { mutation }): the one check of every admin field and route. */
  admins: Admins;
}

export { Admins, ADMIN_SCOPE, type AdminRequest, type AdminViewer } from './admins';

/**
 * Platform administration (issue #26): who is an admin (ADMIN_EMAILS), the warden:admin scope of their tokens, user
 * search and detail, bans (a sign-in gate), sign-out and erasure. Right after sessions in the module list, so its ban
 * gate is asked before the second-factor gate.
 */
export const adminModule: WardenModule = {
  name: 'admin',
  dependsOn: ['users', 'sessions'],
  build(kernel, peers) {
    const admins = new Admins({
      dataSource: kernel.db,
      emails: kernel.config.settings.adminEmails,
      reauthMaxAgeSeconds: kernel.config.reauthMaxAgeSeconds,
      now: kernel.clock.now,
    });
    const service = new AdminService({
      dataSource: kernel.db,
      admins,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      users: peers.of<UsersProvides>('users').users,
      audit: kernel.audit,
      notices: kernel.notices,
      events: kernel.events,
      productName: kernel.config.productName,
      now: kernel.clock.now,
    });
    const details = new AdminDetails(kernel.db);
    const impersonation = new ImpersonationService({
      dataSource: kernel.db,
      admins,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      audit: kernel.audit,
      notices: kernel.notices,
      productName: kernel.config.productName,
      ttlSeconds: kernel.limits.impersonationTtlSeconds,
      notifyUser: kernel.config.settings.impersonationNotifyUser,
      now: kernel.clock.now,
    });
    const provides: AdminProvides = { admins };
    return {
      provides,
      instances: [
        admins,
        service,
        details,
        impersonation,
        new AdminResolver(admins, service),
        new AdminUserFieldsResolver(details),
        new ImpersonationResolver(admins, impersonation),
        new ImpersonatorUserResolver(impersonation),
      ],
      hooks: {
        tokenScopes: [admins.tokenScope],
        signInGates: [new BanGate(kernel.db, kernel.clock.now)],
        impersonators: [impersonation.stillAllowed],
        // A banned user's keys (created or owned) answer as unknown while the ban is in force (contract, "Administration").
        apiKeyOwnerChecks: [async (em, userId) => !(await banInForce(em, userId, kernel.clock.now()))],
      },
    };
  },
  entities: [UserBanEntity],
  resolvers: [AdminResolver, AdminUserFieldsResolver, ImpersonationResolver, ImpersonatorUserResolver],
  jobs: adminRetentionJobs,
  ...adminDeclarations,
};
