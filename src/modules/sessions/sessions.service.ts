import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import type { AccessTokens } from './access-tokens';
import type { RevocationList } from './revocation-list';
import { UserEntity } from '../users/user.entity';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import { constantTimeEqual, createSecretToken, isUuid, keyedHash, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';

export interface Viewer {
  userId: string;
  sessionId: string;
}

export interface IssuedSession {
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: UserEntity;
}

export interface SessionsServiceDeps {
  dataSource: DataSource;
  accessTokens: AccessTokens;
  revocations: RevocationList;
  audit: AuditService;
  hmacKey: Buffer;
  limits: Readonly<Limits>;
  now: () => Date;
}

const REFRESH_PURPOSE = 'refresh';

/** Sessions: creation at sign-in, refresh-token rotation with reuse detection, revocation, listing. */
export class SessionsService {
  constructor(private readonly deps: SessionsServiceDeps) {}

  private hash(secret: string): string {
    return keyedHash(this.deps.hmacKey, REFRESH_PURPOSE, secret);
  }

  private async newRefreshToken(em: EntityManager, sessionId: string): Promise<string> {
    const token = createSecretToken();
    await em.insert(RefreshTokenEntity, { id: token.id, sessionId, secretHash: this.hash(token.secret), rotatedAt: null });
    return token.token;
  }

  private async issue(em: EntityManager, session: SessionEntity, user: UserEntity): Promise<IssuedSession> {
    const refreshToken = await this.newRefreshToken(em, session.id);
    const access = await this.deps.accessTokens.issue(session.userId, session.id);
    return {
      sessionId: session.id,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt: this.refreshExpiresAt(session),
      user,
    };
  }

  /** When the refresh token stops working: the idle limit or the absolute limit, whichever comes first. */
  private refreshExpiresAt(session: SessionEntity): Date {
    const idleEnd = session.lastUsedAt.getTime() + this.deps.limits.refreshIdleTtlSeconds * 1000;
    return new Date(Math.min(idleEnd, session.expiresAt.getTime()));
  }

  /** Starts a session for a user who just proved who they are. Runs inside the caller's transaction. */
  async createSession(em: EntityManager, user: UserEntity, meta: RequestMeta, method: string): Promise<IssuedSession> {
    const now = this.deps.now();
    const session = em.create(SessionEntity, {
      id: randomUUID(),
      userId: user.id,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.deps.limits.refreshTokenTtlSeconds * 1000),
      revokedAt: null,
      revokedReason: null,
      userAgent: meta.userAgent,
      ip: meta.ip,
    });
    await em.insert(SessionEntity, session);
    await this.deps.audit.record(em, { event: AuditEvents.sessionCreated, userId: user.id, meta, data: { sessionId: session.id, method } });
    return this.issue(em, session, user);
  }

  /**
   * Exchanges a refresh token for a new pair. A token already rotated is honoured again within the
   * reuse interval (racing tabs); later, it is treated as stolen and the whole session is revoked.
   */
  async refresh(rawToken: string | null | undefined, meta: RequestMeta): Promise<IssuedSession> {
    const parsed = parseSecretToken(rawToken);
    if (!parsed) throw new WardenError('INVALID_TOKEN');
    const outcome = await withTransaction(this.deps.dataSource, async (em) => {
      // One round trip: the token with its session and user, token and session rows locked. Concurrent
      // refreshes of one session run one after the other, and each sees the rotation the one before made.
      const token = await em
        .createQueryBuilder(RefreshTokenEntity, 't')
        .innerJoinAndSelect('t.session', 's')
        .innerJoinAndSelect('s.user', 'u')
        .setLock('pessimistic_write', undefined, ['t', 's'])
        .where('t.id = :id', { id: parsed.id })
        .getOne();
      if (!token || !constantTimeEqual(token.secretHash, this.hash(parsed.secret))) return { kind: 'invalid' as const };
      const session = token.session!;
      const user = session.user!;
      const now = this.deps.now();
      if (session.revokedAt || this.refreshExpiresAt(session) <= now) return { kind: 'invalid' as const };
      if (token.rotatedAt) {
        const sinceRotationMs = now.getTime() - token.rotatedAt.getTime();
        if (sinceRotationMs > this.deps.limits.refreshReuseIntervalSeconds * 1000) {
          await this.revokeInTransaction(em, [session.id], 'refresh_token_reused');
          await this.deps.audit.record(em, {
            event: AuditEvents.refreshReuseDetected,
            outcome: 'failure',
            userId: session.userId,
            meta,
            data: { sessionId: session.id },
          });
          return { kind: 'reused' as const };
        }
      } else {
        await em.update(RefreshTokenEntity, { id: token.id }, { rotatedAt: now });
      }
      session.lastUsedAt = now;
      await em.update(SessionEntity, { id: session.id }, { lastUsedAt: now });
      await this.deps.audit.record(em, { event: AuditEvents.sessionRefreshed, userId: user.id, meta, data: { sessionId: session.id } });
      return { kind: 'ok' as const, issued: await this.issue(em, session, user) };
    });
    if (outcome.kind !== 'ok') throw new WardenError('INVALID_TOKEN');
    return outcome.issued;
  }

  /** Validates a bearer token: signature, expiry, and that its session was not revoked since. */
  async authenticate(accessToken: string): Promise<Viewer> {
    const claims = await this.deps.accessTokens.verify(accessToken);
    if (await this.deps.revocations.isRevoked(claims.sessionId)) throw new WardenError('UNAUTHENTICATED');
    return { userId: claims.userId, sessionId: claims.sessionId };
  }

  /**
   * The same check when it needs no I/O (the token verified before, and the revocation list is current):
   * the Viewer, or UNAUTHENTICATED if revoked. undefined: call authenticate().
   */
  authenticateFromMemory(accessToken: string): Viewer | undefined {
    const claims = this.deps.accessTokens.remembered(accessToken);
    if (!claims) return undefined;
    const revoked = this.deps.revocations.isRevokedLocally(claims.sessionId);
    if (revoked === null) return undefined;
    if (revoked) throw new WardenError('UNAUTHENTICATED');
    return { userId: claims.userId, sessionId: claims.sessionId };
  }

  /** Marks sessions revoked: first in the revocation list (so access tokens die at once), then in PostgreSQL. */
  private async revokeInTransaction(em: EntityManager, sessionIds: string[], reason: string): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.deps.revocations.revoke(sessionIds);
    await em
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ revokedAt: this.deps.now(), revokedReason: reason })
      .where('id IN (:...ids)', { ids: sessionIds })
      .andWhere('revoked_at IS NULL')
      .execute();
  }

  /** Ends every live session of a user inside the caller's transaction; returns how many. */
  async revokeAllInTransaction(em: EntityManager, userId: string, reason: string, meta: RequestMeta): Promise<number> {
    const live = await em
      .createQueryBuilder(SessionEntity, 's')
      .setLock('pessimistic_write')
      .select(['s.id'])
      .where('s.user_id = :userId', { userId })
      .andWhere('s.revoked_at IS NULL')
      .andWhere('s.expires_at > :now', { now: this.deps.now() })
      .getMany();
    const ids = live.map((s) => s.id);
    await this.revokeInTransaction(em, ids, reason);
    if (ids.length > 0) {
      await this.deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId, meta, data: { sessionIds: ids, reason } });
    }
    return ids.length;
  }

  private async revokeOneInTransaction(em: EntityManager, session: SessionEntity, reason: string, meta: RequestMeta): Promise<boolean> {
    if (session.revokedAt) return false;
    await this.revokeInTransaction(em, [session.id], reason);
    await this.deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId: session.userId, meta, data: { sessionIds: [session.id], reason } });
    return true;
  }

  /** logout: the bearer's session, else the session of the refresh token (cookie) presented. */
  async logout(viewer: Viewer | null, refreshToken: string | null, meta: RequestMeta): Promise<boolean> {
    let sessionId = viewer?.sessionId ?? null;
    if (!sessionId) {
      const parsed = parseSecretToken(refreshToken);
      if (!parsed) return false;
      const token = await this.deps.dataSource.manager.findOne(RefreshTokenEntity, { where: { id: parsed.id } });
      if (!token || !constantTimeEqual(token.secretHash, this.hash(parsed.secret))) return false;
      sessionId = token.sessionId;
    }
    const id = sessionId;
    return withTransaction(this.deps.dataSource, async (em) => {
      const session = await em.findOne(SessionEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      return session ? this.revokeOneInTransaction(em, session, 'logout', meta) : false;
    });
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

  /** Live sessions of a user, newest first. */
  async listLive(userIds: readonly string[]): Promise<Map<string, SessionEntity[]>> {
    const now = this.deps.now();
    const rows = await this.deps.dataSource.manager
      .createQueryBuilder(SessionEntity, 's')
      .where('s.user_id IN (:...userIds)', { userIds })
      .andWhere('s.revoked_at IS NULL')
      .andWhere('s.expires_at > :now', { now })
      .andWhere('s.last_used_at > :idleCutoff', { idleCutoff: new Date(now.getTime() - this.deps.limits.refreshIdleTtlSeconds * 1000) })
      .orderBy('s.created_at', 'DESC')
      .getMany();
    const byUser = new Map<string, SessionEntity[]>(userIds.map((id) => [id, []]));
    for (const row of rows) byUser.get(row.userId)?.push(row);
    return byUser;
  }
}
