import { EventTypes } from '../events/outbox';
import type { EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import type { TokenPairs } from './token-pairs';
import type { SessionsServiceDeps, Viewer } from './session-types';
import { UsersService } from '../users/users.service';
import { AuditEvents } from '../audit/audit-events';
import { isUuid, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import { withTransaction } from '../../db/transaction';

/**
 * Ending sessions: logout, logoutAll, revokeSession, a superseded session, and revocation inside another flow's
 * transaction (password change and reset, deletion, refresh-token reuse). Access tokens die at once (the
 * revocation list); the onSessionsRevoked hooks (every module's, read at each revocation) spend what the ended
 * sessions left pending.
 */
export class SessionRevocation {
  constructor(
    private readonly deps: SessionsServiceDeps,
    private readonly pairs: TokenPairs,
  ) {}

  /**
   * Marks sessions (all of one user) revoked: first in the revocation list (so access tokens die at once), then
   * in PostgreSQL; then the onSessionsRevoked hooks spend what those sessions left pending, in the same transaction.
   */
  async revokeInTransaction(em: EntityManager, userId: string, sessionIds: string[], reason: string, meta?: RequestMeta | null): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.deps.revocations.revoke(sessionIds);
    const updated = await em
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ revokedAt: this.deps.now(), revokedReason: reason })
      .where('id IN (:...ids)', { ids: sessionIds })
      .andWhere('revoked_at IS NULL')
      .returning(['id', 'impersonatorId'])
      .execute();
    // An impersonation session ended now, by whatever path (stop, logout, the target, adminRevokeSessions, the
    // admin's own session ending, the cap never): `impersonation.ended` on both users, the actor the one who ended it.
    const ended = ((updated.raw ?? []) as { id: string; impersonator_id: string | null }[]).filter((r) => r.impersonator_id);
    for (const row of ended) {
      const adminId = row.impersonator_id!;
      const data = { sessionId: row.id, reason };
      // The admin ending their own starting session acted as themself: still the actor of the impersonation's end.
      const actorId = meta?.actorId ?? (reason === 'impersonator_session_ended' ? adminId : null);
      await this.deps.audit.recordMany(em, [
        { event: AuditEvents.impersonationEnded, userId, actorId, meta, data },
        { event: AuditEvents.impersonationEnded, userId: adminId, actorId, meta, data: { ...data, targetUserId: userId } },
      ]);
    }
    await this.deps.events.emit(
      em,
      ...sessionIds.map((sessionId) => ({
        type: EventTypes.sessionRevoked,
        aggregateType: 'user' as const,
        aggregateId: userId,
        data: { userId, sessionId, reason },
      })),
    );
    for (const listener of this.deps.onSessionsRevoked?.() ?? []) await listener(em, userId, sessionIds);
    // Impersonation sessions an admin started from these end with them (each its target's, audited there).
    const started: { id: string; user_id: string }[] = await em.query(
      `SELECT id, user_id FROM ${this.pairs.raw.table(SessionEntity)} WHERE impersonator_session_id = ANY($1::uuid[]) AND revoked_at IS NULL FOR UPDATE`,
      [sessionIds],
    );
    for (const session of started) {
      await this.revokeInTransaction(em, session.user_id, [session.id], 'impersonator_session_ended', meta);
      await this.deps.audit.record(em, {
        event: AuditEvents.sessionRevoked,
        userId: session.user_id,
        data: { sessionIds: [session.id], reason: 'impersonator_session_ended' },
      });
    }
  }

  /**
   * Ends every live session of a user (but exceptSessionId) inside the caller's transaction; returns how many.
   * The user row is share-locked first (lock order: user, sessions, then what the listeners spend): a finish that
   * signs in afresh from a session (a contact change) locks the user first too, so either it waits for this
   * revocation, or this one waits for it and then sees, and ends, the session it created (F2).
   */
  async revokeAllInTransaction(em: EntityManager, userId: string, reason: string, meta: RequestMeta, exceptSessionId?: string): Promise<number> {
    await UsersService.lockForShare(em, userId);
    const query = em
      .createQueryBuilder(SessionEntity, 's')
      .setLock('pessimistic_write')
      .select(['s.id'])
      .where('s.user_id = :userId', { userId })
      .andWhere('s.revoked_at IS NULL')
      .andWhere('s.expires_at > :now', { now: this.deps.now() });
    if (exceptSessionId) query.andWhere('s.id <> :exceptSessionId', { exceptSessionId });
    const live = await query.getMany();
    const ids = live.map((s) => s.id);
    await this.revokeInTransaction(em, userId, ids, reason, meta);
    if (ids.length > 0) {
      await this.deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId, meta, data: { sessionIds: ids, reason } });
    }
    return ids.length;
  }

  private async revokeOneInTransaction(em: EntityManager, session: SessionEntity, reason: string, meta: RequestMeta): Promise<boolean> {
    if (session.revokedAt) return false;
    await this.revokeInTransaction(em, session.userId, [session.id], reason, meta);
    await this.deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId: session.userId, meta, data: { sessionIds: [session.id], reason } });
    return true;
  }

  /** The session a refresh token (rotated or not) belongs to; null for anything else. */
  private async sessionIdOfRefreshToken(refreshToken: string | null): Promise<string | null> {
    const parsed = parseSecretToken(refreshToken);
    if (!parsed) return null;
    const token = await this.deps.dataSource.manager.findOne(RefreshTokenEntity, { where: { id: parsed.id } });
    if (!token || !this.pairs.matches(token.secretHash, parsed.secret)) return null;
    return token.sessionId;
  }

  private async endSessions(ids: readonly string[], reason: string, meta: RequestMeta): Promise<boolean> {
    if (ids.length === 0) return false;
    return withTransaction(this.deps.dataSource, async (em) => {
      let ended = false;
      for (const id of ids) {
        const session = await em.findOne(SessionEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
        if (session && (await this.revokeOneInTransaction(em, session, reason, meta))) ended = true;
      }
      return ended;
    });
  }

  /**
   * logout: the bearer's session (null when the bearer is missing, expired or revoked) and the session of the
   * refresh token presented (the cookie, which the caller clears): a browser loses that cookie, so its
   * session ends too. True when a session ended.
   */
  async logout(viewer: Viewer | null, refreshToken: string | null, meta: RequestMeta): Promise<boolean> {
    const ids = new Set<string>();
    if (viewer) ids.add(viewer.sessionId);
    const cookieSession = await this.sessionIdOfRefreshToken(refreshToken);
    if (cookieSession) ids.add(cookieSession);
    return this.endSessions([...ids], 'logout', meta);
  }

  /**
   * A new sign-in received the refresh token of an older session (the browser's warden_refresh cookie, about
   * to be overwritten): that session ends (ASVS 7.2.4), unless it is the new one.
   */
  async endSupersededSession(refreshToken: string | null, newSessionId: string, meta: RequestMeta): Promise<boolean> {
    const sessionId = await this.sessionIdOfRefreshToken(refreshToken);
    if (!sessionId || sessionId === newSessionId) return false;
    return this.endSessions([sessionId], 'superseded_by_sign_in', meta);
  }

  logoutAll(viewer: Viewer, meta: RequestMeta): Promise<number> {
    return withTransaction(this.deps.dataSource, (em) => this.revokeAllInTransaction(em, viewer.userId, 'logout_all', meta));
  }

  /** FORBIDDEN for a session that is not the viewer's (or does not exist: no oracle on ids). */
  async revokeSession(viewer: Viewer, sessionId: string, meta: RequestMeta): Promise<boolean> {
    if (!isUuid(sessionId)) throw WardenError.badInput('id is not a session id.', 'id');
    return withTransaction(this.deps.dataSource, async (em) => {
      const session = await em.findOne(SessionEntity, { where: { id: sessionId }, lock: { mode: 'pessimistic_write' } });
      if (!session || session.userId !== viewer.userId) throw new WardenError('FORBIDDEN', { message: 'That session is not yours.' });
      return this.revokeOneInTransaction(em, session, 'revoked_by_user', meta);
    });
  }
}
