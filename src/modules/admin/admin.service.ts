import type { DataSource, EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { AuditEvents } from '../audit/audit-events';
import type { AuditService } from '../audit/audit.service';
import type { Notices } from '../../kernel/notices';
import type { RequestMeta } from '../request-meta';
import type { SessionsService } from '../sessions/sessions.service';
import type { UsersService } from '../users/users.service';
import { lockUser, updateUser } from '../users/user-rows';
import { eraseAccounts } from '../account/account-erasure';
import type { AdminViewer, Admins } from './admins';
import { adminUserRow, encodeCursor, searchAdminUsers, statusOf, type AdminUserFilter, type AdminUserRow } from './admin-users';
import { UserBanEntity } from './user-ban.entity';
import { accountBannedMail } from './admin-mail';
import { bannedError, banInForce } from './bans';
import { UserStatus } from './admin.enums';
import { EventTypes, type EventOutbox } from '../events/outbox';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_REASON = 500;

export interface AdminServiceDeps {
  dataSource: DataSource;
  admins: Admins;
  sessions: SessionsService;
  users: UsersService;
  audit: AuditService;
  notices: Notices;
  events: EventOutbox;
  productName: string;
  now: () => Date;
}

/** A user as admin fields show it (the GraphQL AdminUser without its per-user lists, which field resolvers load). */
export interface AdminUserView {
  id: string;
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  phoneVerified: boolean;
  name: string | null;
  createdAt: Date;
  status: UserStatus;
  isAdmin: boolean;
  bannedUntil: Date | null;
  banReason: string | null;
  deletionScheduledAt: Date | null;
}

/**
 * Platform administration (contract, "Administration"): search and detail, ban, sign-out, erasure. Every method
 * takes the admin who passed Admins.requireAdmin (the resolver asks it first) and writes an audit row naming them
 * (actor_id); the rows a change writes on the way (session.revoked) name them too (meta.actorId).
 */
export class AdminService {
  constructor(private readonly deps: AdminServiceDeps) {}

  private view(row: AdminUserRow): AdminUserView {
    return {
      id: row.id,
      email: row.email,
      emailVerified: row.email_verified,
      phone: row.phone,
      phoneVerified: row.phone_verified,
      name: row.name,
      createdAt: row.created_at,
      status: statusOf(row),
      isAdmin: this.deps.admins.isAdmin({ email: row.email, emailVerified: row.email_verified }),
      bannedUntil: row.banned ? row.banned_until : null,
      banReason: row.banned ? row.ban_reason : null,
      deletionScheduledAt: row.deleted_at ? row.erase_at : null,
    };
  }

  async search(
    admin: AdminViewer,
    filter: AdminUserFilter | null | undefined,
    first: number,
    after: string | null | undefined,
    meta: RequestMeta,
  ): Promise<{ nodes: AdminUserView[]; endCursor: string | null; hasNextPage: boolean }> {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first is 1 to 100.', 'first');
    const rows = await searchAdminUsers(this.deps.dataSource.manager, filter ?? {}, first, after, this.deps.now());
    const page = rows.slice(0, first);
    await this.deps.audit.recordAlone({
      event: AuditEvents.adminUsersListed,
      userId: admin.userId,
      actorId: admin.userId,
      meta,
      data: { filter: { ...(filter ?? {}) }, returned: page.length },
    });
    return { nodes: page.map((r) => this.view(r)), endCursor: page.length ? encodeCursor(page[page.length - 1]!) : null, hasNextPage: rows.length > first };
  }

  async user(admin: AdminViewer, id: string, meta: RequestMeta): Promise<AdminUserView | null> {
    const row = await adminUserRow(this.deps.dataSource.manager, id, this.deps.now());
    await this.deps.audit.recordAlone({
      event: AuditEvents.adminUserViewed,
      userId: admin.userId,
      actorId: admin.userId,
      meta,
      data: { targetUserId: id, found: !!row },
    });
    return row ? this.view(row) : null;
  }

  /** The target under FOR UPDATE, checked: not the caller (BAD_USER_INPUT userId), known, not an admin (TARGET_IS_ADMIN). */
  private async lockTarget(em: EntityManager, admin: AdminViewer, userId: string, options: { refuseAdmin: boolean }) {
    if (userId === admin.userId) throw WardenError.badInput('Not on your own account.', 'userId');
    const user = UUID.test(userId) ? await lockUser(em, userId) : null;
    if (!user) throw WardenError.badInput('No such user.', 'userId');
    if (options.refuseAdmin && this.deps.admins.isAdmin(user)) {
      throw new WardenError('FORBIDDEN', { message: 'Not on a platform admin.', extensions: { reason: 'TARGET_IS_ADMIN' } });
    }
    return user;
  }

  private async required(userId: string): Promise<AdminUserView> {
    const row = await adminUserRow(this.deps.dataSource.manager, userId, this.deps.now());
    if (!row) throw WardenError.badInput('No such user.', 'userId');
    return this.view(row);
  }

  /** Ends every session at once (every instance: the revocation list), then mails the user after COMMIT. */
  async ban(admin: AdminViewer, input: { userId: string; reason: string; until?: Date | null }, meta: RequestMeta): Promise<AdminUserView> {
    const reason = checkedReason(input.reason);
    const now = this.deps.now();
    const until = input.until ?? null;
    if (until && (Number.isNaN(until.getTime()) || until.getTime() <= now.getTime())) throw WardenError.badInput('until must be in the future.', 'until');
    const acting = { ...meta, actorId: admin.userId };
    await withTransaction(this.deps.dataSource, async (em) => {
      await this.lockTarget(em, admin, input.userId, { refuseAdmin: true });
      await em.upsert(UserBanEntity, { userId: input.userId, bannedAt: now, bannedUntil: until, reason, bannedBy: admin.userId }, ['userId']);
      const revoked = await this.deps.sessions.revokeAllInTransaction(em, input.userId, 'banned', acting);
      await this.deps.audit.record(em, {
        event: AuditEvents.userBanned,
        userId: input.userId,
        actorId: admin.userId,
        meta: acting,
        data: { reason, until: until?.toISOString() ?? null, sessionsRevoked: revoked },
      });
      await this.deps.events.emit(em, {
        type: EventTypes.userBanned,
        aggregateType: 'user',
        aggregateId: input.userId,
        data: { userId: input.userId, until: until?.toISOString() ?? null },
      });
    });
    await this.deps.notices.send(input.userId, { flow: 'account_banned_notice', mail: accountBannedMail(this.deps.productName, until) }, acting);
    return this.required(input.userId);
  }

  async unban(admin: AdminViewer, userId: string, meta: RequestMeta): Promise<AdminUserView> {
    await withTransaction(this.deps.dataSource, async (em) => {
      await this.lockTarget(em, admin, userId, { refuseAdmin: false });
      const result = await em.delete(UserBanEntity, { userId });
      await this.deps.audit.record(em, {
        event: AuditEvents.userUnbanned,
        userId,
        actorId: admin.userId,
        meta,
        data: { wasBanned: (result.affected ?? 0) > 0 },
      });
      if ((result.affected ?? 0) > 0)
        await this.deps.events.emit(em, { type: EventTypes.userUnbanned, aggregateType: 'user', aggregateId: userId, data: { userId } });
    });
    return this.required(userId);
  }

  /** Ends every live session of the user (impersonation ones too); how many. */
  async revokeSessions(admin: AdminViewer, userId: string, meta: RequestMeta): Promise<number> {
    const acting = { ...meta, actorId: admin.userId };
    return withTransaction(this.deps.dataSource, async (em) => {
      await this.lockTarget(em, admin, userId, { refuseAdmin: false });
      const revoked = await this.deps.sessions.revokeAllInTransaction(em, userId, 'admin_revoked', acting);
      await this.deps.audit.record(em, {
        event: AuditEvents.adminSessionsRevoked,
        userId,
        actorId: admin.userId,
        meta: acting,
        data: { sessionsRevoked: revoked },
      });
      return revoked;
    });
  }

  /**
   * Erases the account now, as the erasure job does after deleteAccount's grace period (eraseAccounts): sessions
   * ended at once, audit rows anonymised, the row and its cascades deleted, organizations settled (an empty one goes,
   * one left without an owner gets one). The admin's row keeps no id of the erased account.
   */
  async deleteUser(admin: AdminViewer, input: { userId: string; reason: string }, meta: RequestMeta): Promise<boolean> {
    const reason = checkedReason(input.reason);
    const acting = { ...meta, actorId: admin.userId };
    const now = this.deps.now();
    // First as deleteAccount does (the account signs in by no path, every session ends at once), with erase_at now:
    // should the second step fail, the erasure job finishes it on its next run.
    await withTransaction(this.deps.dataSource, async (em) => {
      await this.lockTarget(em, admin, input.userId, { refuseAdmin: true });
      await this.deps.sessions.revokeAllInTransaction(em, input.userId, 'erased', acting);
      await updateUser(em, input.userId, { deletedAt: now, eraseAt: now });
      this.deps.users.usersChanged(em, [input.userId]);
      await this.deps.events.emit(em, {
        type: EventTypes.userDeleted,
        aggregateType: 'user',
        aggregateId: input.userId,
        data: { userId: input.userId, scheduledAt: now.toISOString() },
      });
    });
    // Then the erasure itself (its audit rows, the ones just written included, are anonymised).
    await withTransaction(this.deps.dataSource, async (em) => {
      const locked = await lockUser(em, input.userId);
      if (locked?.deletedAt) {
        // user.erased and the memberships' events come with the erasure (eraseAccounts).
        await eraseAccounts(em, [input.userId], now);
      }
      await this.deps.audit.record(em, { event: AuditEvents.adminUserDeleted, userId: null, actorId: admin.userId, meta: acting, data: { reason } });
    });
    return true;
  }

  /** For a target that must not be banned (startImpersonation): ACCOUNT_BANNED when a ban is in force. */
  async refuseBanned(em: EntityManager, userId: string): Promise<void> {
    const ban = await banInForce(em, userId, this.deps.now());
    if (ban) throw bannedError(ban.bannedUntil);
  }
}

function checkedReason(raw: string): string {
  const reason = (raw ?? '').trim();
  if (reason.length === 0 || reason.length > MAX_REASON) throw WardenError.badInput(`reason is 1 to ${MAX_REASON} characters.`, 'reason');
  return reason;
}
