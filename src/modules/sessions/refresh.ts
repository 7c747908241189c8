import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import type { TokenPairs } from './token-pairs';
import type { SessionRevocation } from './revocation';
import { REFRESH_ROTATE, refreshRotateSql, type RefreshRow } from './session-statements';
import type { SessionsServiceDeps, SessionTokens } from './session-types';
import type { UserEntity } from '../users/users.service';
import { AuditEvents } from '../audit/audit-events';
import { createSecretToken, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import { withTransaction } from '../../db/transaction';
import { assuranceLevel, mergeAmr, type AuthMethod } from './assurance';

/**
 * A fresh token pair for an existing session: refresh-token rotation with reuse detection (the hot path: one
 * statement), and the same session proving itself again (reauthenticate) or finishing what it started
 * (continueSession).
 */
export class SessionRefresh {
  constructor(
    private readonly deps: SessionsServiceDeps,
    private readonly pairs: TokenPairs,
    private readonly revocation: SessionRevocation,
  ) {}

  /**
   * Exchanges a refresh token for a new pair. A session has one live (unrotated) refresh token at a time.
   * A token already rotated is honoured again within the reuse interval (racing tabs): the answer continues
   * the same chain, the session's live successor is rotated in turn and replaced by the token answered, so
   * there is never a second live token. Whoever holds the now-rotated successor gets the same grace, and
   * presents it after the interval only as reuse: every copy of a chain is seen by reuse detection. Later than
   * the interval, a rotated token is treated as stolen and the whole session is revoked.
   */
  async refresh(rawToken: string | null | undefined, meta: RequestMeta): Promise<SessionTokens> {
    const parsed = parseSecretToken(rawToken);
    if (!parsed) throw new WardenError('INVALID_TOKEN');
    const rotated = await this.rotateLiveToken(parsed, meta);
    if (rotated) return rotated;
    // Anything else (unknown or wrong token, a rotated one: grace or reuse, an ended session) takes the
    // general path below, which locks, decides and answers exactly as before.
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
      if (!token || !this.pairs.matches(token.secretHash, parsed.secret)) return { kind: 'invalid' as const };
      const session = token.session!;
      const user = session.user!;
      const now = this.deps.now();
      if (session.revokedAt || user.deletedAt || this.pairs.refreshExpiresAt(session) <= now) return { kind: 'invalid' as const };
      if (token.rotatedAt) {
        const sinceRotationMs = now.getTime() - token.rotatedAt.getTime();
        if (sinceRotationMs > this.deps.limits.refreshReuseIntervalSeconds * 1000) {
          await this.revocation.revokeInTransaction(em, session.userId, [session.id], 'refresh_token_reused');
          await this.deps.audit.record(em, {
            event: AuditEvents.refreshReuseDetected,
            outcome: 'failure',
            userId: session.userId,
            meta,
            data: { sessionId: session.id },
          });
          return { kind: 'reused' as const };
        }
        // Within the interval: the successor already minted (and anything after it) is rotated out and the
        // answer takes its place at the head of the same chain (the successor's secret is kept only hashed).
        await this.pairs.rotateLiveTokens(em, session.id, now);
      } else {
        await em.update(RefreshTokenEntity, { id: token.id }, { rotatedAt: now });
      }
      session.lastUsedAt = now;
      await em.update(SessionEntity, { id: session.id }, { lastUsedAt: now });
      await this.deps.audit.record(em, { event: AuditEvents.sessionRefreshed, userId: user.id, meta, data: { sessionId: session.id } });
      return { kind: 'ok' as const, issued: await this.pairs.issue(em, session, user, false) };
    });
    if (outcome.kind !== 'ok') throw new WardenError('INVALID_TOKEN');
    return outcome.issued;
  }

  /**
   * The common refresh (a live, unrotated token of a live session) in ONE autocommitted statement, a named
   * prepared statement with CTEs (refreshRotateSql): lock and touch the session, rotate the token (only if still
   * unrotated), insert its successor and the audit row, return the session and its user. The session row is
   * locked before the token row, as in the general path's grace branch, so the two cannot deadlock each other.
   * null when it did not apply (nothing was rotated, no successor inserted): the caller takes the general
   * path. The token is found by id and its keyed hash (HMAC-SHA256 with the server's key) compared in SQL:
   * an attacker cannot choose hash bytes, so the comparison's timing says nothing usable.
   */
  private async rotateLiveToken(parsed: { id: string; secret: string }, meta: RequestMeta): Promise<SessionTokens | null> {
    const now = this.deps.now();
    const idleCutoff = new Date(now.getTime() - this.deps.limits.refreshIdleTtlSeconds * 1000);
    const next = createSecretToken();
    const raw = this.pairs.raw;
    const rows = await raw.run<RefreshRow>(REFRESH_ROTATE, () => refreshRotateSql(raw), [
      parsed.id,
      this.pairs.hash(parsed.secret),
      now,
      idleCutoff,
      next.id,
      this.pairs.hash(next.secret),
      randomUUID(),
      meta.ip,
      meta.userAgent,
      AuditEvents.sessionRefreshed,
    ]);
    const row = rows[0];
    if (!row?.rotated) return null;
    this.deps.audit.observeCommitted([{ event: AuditEvents.sessionRefreshed, userId: row.user_id, meta, data: { sessionId: row.session_id } }]);
    const organization = await this.pairs.organizationClaims(row.active_organization_id, row.active_organization_role);
    const access = await this.deps.accessTokens.issue(
      row.user_id,
      row.session_id,
      { amr: row.amr, aal: row.aal, authTime: row.last_authenticated_at },
      organization,
      this.pairs.platformScope({ email: row.email, emailVerified: row.email_verified, aal: row.aal }),
    );
    const user = {
      id: row.user_id,
      email: row.email,
      emailVerified: row.email_verified,
      phone: row.phone,
      phoneVerified: row.phone_verified,
      name: row.name,
      organizationId: row.organization_id,
      createdAt: row.user_created_at,
      updatedAt: row.user_updated_at,
    } as UserEntity;
    return {
      signIn: false,
      sessionId: row.session_id,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: next.token,
      refreshTokenExpiresAt: this.pairs.refreshExpiresAt({ lastUsedAt: row.last_used_at, expiresAt: row.expires_at }),
      user,
    };
  }

  /**
   * The user proved who they are again on an existing session (requestReauthentication, then verifyOtp):
   * last_authenticated_at becomes now, amr gains the methods just used, aal is derived again (it can rise,
   * never fall). Issues a fresh pair with the new claims; the session's live refresh token is rotated out,
   * so the session keeps one live token. Runs inside the caller's transaction.
   */
  async reauthenticate(em: EntityManager, sessionId: string, amr: AuthMethod[], meta: RequestMeta): Promise<SessionTokens> {
    const session = await this.touchLiveSession(em, sessionId, undefined, (current, now) => {
      const merged = mergeAmr(current.amr, amr);
      return { amr: merged, aal: current.aal === 'aal2' ? 'aal2' : assuranceLevel(merged), lastAuthenticatedAt: now };
    });
    if (!session) throw new WardenError('UNAUTHENTICATED');
    await this.deps.audit.record(em, {
      event: AuditEvents.sessionReauthenticated,
      userId: session.userId,
      meta,
      data: { sessionId: session.id, amr: session.amr, aal: session.aal },
    });
    return this.pairs.issue(em, session, session.user!, false);
  }

  /**
   * A fresh pair for an existing session that finished something it started (completeOAuth of a linkOAuth
   * flow), without changing its amr, aal or authentication time: null unless the session is live (not revoked,
   * not expired) and belongs to userId. The session's live refresh token is rotated out, as in reauthenticate.
   * Inside the caller's transaction; the session row is locked.
   */
  async continueSession(em: EntityManager, sessionId: string, userId: string): Promise<SessionTokens | null> {
    const session = await this.touchLiveSession(em, sessionId, (current) => current.userId === userId && !current.user!.deletedAt);
    return session ? this.pairs.issue(em, session, session.user!, false) : null;
  }

  /**
   * setActiveOrganization's session side: the session (live, of userId) gets `organizationId` (null: none) as its
   * active organization and a fresh pair with its claims, the live refresh token rotated out as in continueSession
   * (same sid). The caller checked the membership in the same transaction. Null unless the session is live.
   */
  async switchOrganization(em: EntityManager, sessionId: string, userId: string, organizationId: string | null): Promise<SessionTokens | null> {
    const session = await this.touchLiveSession(
      em,
      sessionId,
      (current) => current.userId === userId && !current.user!.deletedAt,
      () => ({ activeOrganizationId: organizationId }),
    );
    return session ? this.pairs.issue(em, session, session.user!, false) : null;
  }

  /**
   * What reauthenticate and continueSession share: lock the session row (its user is read with it, not locked),
   * and unless it is missing, revoked, expired or refused by `accept`, write `changes` (computed from the locked
   * row) with lastUsedAt = now to the row and the entity, and rotate its live refresh tokens. Null when refused.
   */
  private async touchLiveSession(
    em: EntityManager,
    sessionId: string,
    accept?: (session: SessionEntity) => boolean,
    changes?: (session: SessionEntity, now: Date) => Partial<Pick<SessionEntity, 'amr' | 'aal' | 'lastAuthenticatedAt' | 'activeOrganizationId'>>,
  ): Promise<SessionEntity | null> {
    const session = await em.findOne(SessionEntity, {
      where: { id: sessionId },
      relations: { user: true },
      lock: { mode: 'pessimistic_write', tables: ['sessions'] },
    });
    const now = this.deps.now();
    if (!session || session.revokedAt || session.expiresAt <= now || (accept && !accept(session))) return null;
    const touched = { ...changes?.(session, now), lastUsedAt: now };
    Object.assign(session, touched);
    await em.update(SessionEntity, { id: session.id }, touched);
    await this.pairs.rotateLiveTokens(em, session.id, now);
    return session;
  }
}
