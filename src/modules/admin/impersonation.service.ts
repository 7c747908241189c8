import type { DataSource } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { AuditEvents } from '../audit/audit-events';
import type { AuditService } from '../audit/audit.service';
import type { Notices } from '../../kernel/notices';
import type { RequestMeta } from '../request-meta';
import type { SessionsService } from '../sessions/sessions.service';
import type { Viewer } from '../sessions/session-types';
import { UsersService } from '../users/users.service';
import type { UserType } from '../users/user.type';
import { findUser, lockUser } from '../users/user-rows';
import type { AdminViewer, Admins } from './admins';
import { banInForce, bannedError } from './bans';
import { impersonationStartedMail } from './admin-mail';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ImpersonationServiceDeps {
  dataSource: DataSource;
  admins: Admins;
  sessions: SessionsService;
  audit: AuditService;
  notices: Notices;
  productName: string;
  ttlSeconds: number;
  notifyUser: boolean;
  now: () => Date;
}

/**
 * Impersonation (contract, "Administration"): an admin opens a separate session of the target (amr ["imp"], aal1,
 * act.sub = the admin, no refresh token, IMPERSONATION_TTL_SECONDS), audited on both users and listed in the target's
 * sessions. Everything written during it names the admin (the request's meta.actorId, set from the token).
 */
export class ImpersonationService {
  constructor(private readonly deps: ImpersonationServiceDeps) {}

  async start(
    admin: AdminViewer,
    input: { userId: string; reason: string; organizationId?: string | null },
    meta: RequestMeta,
  ): Promise<{ accessToken: string; accessTokenExpiresAt: Date; sessionId: string; user: UserType }> {
    const reason = (input.reason ?? '').trim();
    if (reason.length === 0 || reason.length > 500) throw WardenError.badInput('reason is 1 to 500 characters.', 'reason');
    if (input.userId === admin.userId) throw WardenError.badInput('Not on your own account.', 'userId');
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + this.deps.ttlSeconds * 1000);
    const acting = { ...meta, actorId: admin.userId };
    const { tokens, user } = await withTransaction(this.deps.dataSource, async (em) => {
      const user = UUID.test(input.userId) ? await lockUser(em, input.userId) : null;
      if (!user) throw WardenError.badInput('No such user.', 'userId');
      if (this.deps.admins.isAdmin(user))
        throw new WardenError('FORBIDDEN', { message: 'Not on a platform admin.', extensions: { reason: 'TARGET_IS_ADMIN' } });
      if (user.deletedAt) throw new WardenError('FORBIDDEN', { message: 'This account was deleted.', extensions: { reason: 'ACCOUNT_DELETED' } });
      const ban = await banInForce(em, user.id, now);
      if (ban) throw bannedError(ban.bannedUntil);
      const tokens = await this.deps.sessions.openImpersonation(em, {
        userId: user.id,
        adminUserId: admin.userId,
        adminSessionId: admin.sessionId,
        expiresAt,
        organizationId: input.organizationId ?? null,
        meta,
      });
      const data = { reason, sessionId: tokens.sessionId, expiresAt: expiresAt.toISOString() };
      await this.deps.audit.recordMany(em, [
        { event: AuditEvents.impersonationStarted, userId: user.id, actorId: admin.userId, meta: acting, data },
        { event: AuditEvents.impersonationStarted, userId: admin.userId, actorId: admin.userId, meta: acting, data: { ...data, targetUserId: user.id } },
      ]);
      return { tokens, user };
    });
    if (this.deps.notifyUser) {
      await this.deps.notices.send(user.id, { flow: 'impersonation_notice', mail: impersonationStartedMail(this.deps.productName, expiresAt) }, acting);
    }
    return { ...tokens, user: UsersService.toType(user) };
  }

  /** With the impersonation token: ends its session (true); with any other bearer nothing happens (false). */
  async stop(viewer: Viewer, meta: RequestMeta): Promise<boolean> {
    if (!viewer.impersonatorId) return false;
    const adminId = viewer.impersonatorId;
    return withTransaction(this.deps.dataSource, async (em) => {
      const session = await this.deps.sessions.impersonationOf(em, viewer.sessionId);
      if (!session || session.revoked) return false;
      const acting = { ...meta, actorId: adminId };
      // Ending the session writes `impersonation.ended` on both users (the sessions module, for every end path).
      await this.deps.sessions.revokeOneInTransaction(em, viewer.userId, viewer.sessionId, 'impersonation_stopped', acting);
      return true;
    });
  }

  /** User.impersonator: the acting admin of the viewer's impersonation token. */
  async impersonator(viewer: Viewer): Promise<{ id: string; email: string | null } | null> {
    if (!viewer.impersonatorId) return null;
    const admin = await findUser(this.deps.dataSource.manager, viewer.impersonatorId);
    return { id: viewer.impersonatorId, email: admin?.email ?? null };
  }

  /** The impersonators hook: an impersonation token works only while its admin is still one. */
  readonly stillAllowed = async (adminUserId: string): Promise<boolean> => this.deps.admins.isAdmin(await findUser(this.deps.dataSource.manager, adminUserId));
}
