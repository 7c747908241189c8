import type { ModuleDeclarations } from '../declaration-types';
import { parseAdminEmails, parseFlag } from './admin-emails';

/** What the administration capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const adminDeclarations = {
  // Emitted through kernel.events; aggregate: the user. data: {userId, until} / {userId}.
  events: {
    userBanned: 'user.banned',
    userUnbanned: 'user.unbanned',
  },
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
    // Written on both users (user_id the target, then the admin), actor_id the admin; data.reason, data.sessionId.
    impersonationStarted: 'impersonation.started',
    impersonationEnded: 'impersonation.ended',
  },
  rateLimits: {
    'admin.ban': 'default',
    'admin.unban': 'default',
    'admin.revoke-sessions': 'default',
    'admin.delete-user': 'default',
    'admin.start-impersonation': 'default',
    'admin.stop-impersonation': 'default',
  },
  limits: {
    impersonationTtlSeconds: {
      env: 'IMPERSONATION_TTL_SECONDS',
      default: 900,
      min: 60,
      max: 3600,
      doc: 'how long an impersonation session (startImpersonation) lasts; it cannot be renewed.',
    },
  },
  settings: {
    adminEmails: {
      env: 'ADMIN_EMAILS',
      default: null,
      doc: 'comma-separated emails; a user whose verified email is listed is a platform admin (checked on every request). Production logs a warning when empty.',
      parse: (raw: string | undefined) => parseAdminEmails(raw),
    },
    impersonationNotifyUser: {
      env: 'IMPERSONATION_NOTIFY_USER',
      default: 'true',
      doc: 'true or false: mail the user when an admin starts impersonating them.',
      parse: (raw: string | undefined) => parseFlag(raw),
    },
  },
  inputBounds: { reason: 500, query: 200 },
} as const satisfies ModuleDeclarations;
