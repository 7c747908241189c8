import type { ModuleDeclarations } from '../declaration-types';
import { parseAdminEmails } from './admin-emails';

/** What the administration capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const adminDeclarations = {
  // actor_id is the admin on every row; user_id the account changed (the admin's own for reads).
  auditEvents: {
    adminUsersListed: 'admin.users_listed',
    adminUserViewed: 'admin.user_viewed',
    // data: reason, until (null: no end), sessionsRevoked
    userBanned: 'user.banned',
    userUnbanned: 'user.unbanned',
    adminSessionsRevoked: 'admin.sessions_revoked',
    // user_id null: the account is gone (erasure keeps no id); data.reason
    adminUserDeleted: 'admin.user_deleted',
  },
  rateLimits: {
    'admin.ban': 'default',
    'admin.unban': 'default',
    'admin.revoke-sessions': 'default',
    'admin.delete-user': 'default',
  },
  settings: {
    adminEmails: {
      env: 'ADMIN_EMAILS',
      default: null,
      doc: 'comma-separated emails; a user whose verified email is listed is a platform admin (checked on every request). Production logs a warning when empty.',
      parse: (raw: string | undefined) => parseAdminEmails(raw),
    },
  },
  inputBounds: { reason: 500, query: 200 },
} as const satisfies ModuleDeclarations;
