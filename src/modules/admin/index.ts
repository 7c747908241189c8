import type { WardenModule } from '../module';
import { adminDeclarations } from './admin.declarations';
import { Admins } from './admins';

/** What the admin module provides its dependents (the audit export route, global webhook endpoints, events). */
export interface AdminProvides {
  /** isAdmin(user), requireAdmin(request, { mutation }): the one check of every admin field and route. */
  admins: Admins;
}

export { Admins, ADMIN_SCOPE, type AdminRequest, type AdminViewer } from './admins';

/** Platform administration (issue #26): who is an admin (ADMIN_EMAILS), and the warden:admin scope of their tokens. */
export const adminModule: WardenModule = {
  name: 'admin',
  dependsOn: ['users', 'sessions'],
  build(kernel) {
    const admins = new Admins({
      dataSource: kernel.db,
      emails: kernel.config.settings.adminEmails,
      reauthMaxAgeSeconds: kernel.config.reauthMaxAgeSeconds,
      now: kernel.clock.now,
    });
    const provides: AdminProvides = { admins };
    return { provides, instances: [admins], hooks: { tokenScopes: [admins.tokenScope] } };
  },
  entities: [],
  resolvers: [],
  ...adminDeclarations,
};
