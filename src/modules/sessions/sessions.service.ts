import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import type { AccessTokens } from './access-tokens';
import type { RevocationList } from './revocation-list';
import { UserEntity } from '../users/user.entity';
import { AuditService, type AuditRecord, type AuditRow } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import { createSecretToken, isUuid, keyedHash, keyedHashMatches, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';
import { afterCommit } from '../../db/after-commit';
import { assuranceLevel, mergeAmr, type AuthMethod, type SessionAssurance } from './assurance';
import { RawStatements } from '../../db/raw-statements';
import { AuditEventEntity } from '../audit/audit-event.entity';

/** What the one-statement refresh returns: the session after the update, its user, and whether the token rotated. */
interface RefreshRow {
  session_id: string;
  user_id: string;
  amr: AuthMethod[];
  aal: SessionEntity['aal'];
  last_authenticated_at: Date;
  last_used_at: Date;
  expires_at: Date;
  rotated: boolean;
  email: string | null;
  email_verified: boolean;
  phone: string | null;
  phone_verified: boolean;
  name: string | null;
  organization_id: string | null;
  user_created_at: Date;
  user_updated_at: Date;
}

export interface Viewer {
  userId: string;
  sessionId: string;
}

/** A new session's tokens, or a sign-in the SignInGate refused (thrown by toAuthPayload, after commit). */
export type IssuedSession = SessionTokens | RefusedSignIn;

export interface RefusedSignIn {
  /** e.g. MFA_REQUIRED with extensions.challengeId. */
  refused: WardenError;
}

export interface SessionTokens {
  /** True when this pair comes from a new sign-in (then a live warden_refresh cookie of another session is ended). */
  signIn: boolean;
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  refreshTokenExpiresAt: Date;
  user: UserEntity;
}

/** What signIn() is told about the user who just proved who they are. */
export interface SignInRequest {
  user: UserEntity;
  /** How they proved it (RFC 8176 values): ["pwd","otp"], ["sms"], ["email"]… aal is derived from it. */
  amr: AuthMethod[];
  /** The sign-in path, for the audit row and the warden_logins_total label: otp_email, otp_sms, magic_link, password_reset… */
  method: string;
  meta: RequestMeta;
  /**
   * True when `user` was read in this same transaction under FOR SHARE (or FOR UPDATE): its deletedAt is current
   * and stays so until COMMIT, so signIn does not read it again.
   */
  userLocked?: boolean;
}

/**
 * A hook between a passed first factor and a new session (the signInGates hook: every module's gates are
 * chained in module-list order, chainSignInGates). The second-factor module (issue #11) gives one: for a user with a factor enrolled and an amr without one, it
 * opens an MFA challenge in the same transaction (no network call) and answers
 * `{ allow: false, error: new WardenError('MFA_REQUIRED', { extensions: { challengeId } }) }`.
 * The refusal is returned, not thrown, so the transaction still commits (the first factor stays spent and
 * the MFA challenge is stored); toAuthPayload throws it after commit.
 */
export interface SignInGate {
  check(em: EntityManager, request: SignInRequest): Promise<{ allow: true } | { allow: false; error: WardenError }>;
  /**
   * What `check` would answer for this amr, as SQL, where it can be decided without side effects, for the
   * one-statement sign-in (signInOneStatement): `always` (check allows every user), or a predicate over the
   * user id (an SQL expression, e.g. `$5`) that is true exactly when check would allow, with a key naming it
   * in the statement's name. null, or no method: no one-statement sign-in, check decides.
   */
  sqlAllows?(amr: readonly AuthMethod[]): SignInGateSql | null;
}

export type SignInGateSql = { always: true } | { key: string; predicate: (userId: string) => string };

/**
 * The caller's own write that a one-statement sign-in depends on (verifyOtp: consuming its challenge), as a
 * data-modifying statement that returns a row when it happened. It runs only if the user may sign in: `sql`
 * gets the name of a CTE that has a row exactly then, to put in its WHERE (`AND EXISTS (SELECT 1 FROM g)`).
 */
export interface SignInPrecondition {
  /** Part of the statement's name (lower-case letters, digits, _), as the gate's key is. */
  key: string;
  /** Its parameters, $1…$n in `sql`; the sign-in's own come after them. */
  values: unknown[];
  sql: (allowed: string) => string;
}

/** signInOneStatement's request: a user known by id, who must be live and have `verified` set. */
export interface OneStatementSignIn {
  userId: string;
  amr: AuthMethod[];
  method: string;
  meta: RequestMeta;
  /** The user's flag that must already be true (an unverified one takes the general path, which sets it). */
  verified: 'email' | 'phone';
  /** Audit rows of the flow, written in the same statement before `session.created` (e.g. `otp.verified`). */
  audit: AuditRecord[];
  precondition: SignInPrecondition;
}

/** A session that a sign-in created and committed (the onSignedIn hooks). */
export interface SignedIn {
  userId: string;
  sessionId: string;
  method: string;
  meta: RequestMeta;
  at: Date;
}

/**
 * Runs inside the transaction that revokes sessions (every path: logout, logoutAll, revokeSession, password
 * change and reset, deletion, undo, refresh-token reuse): spends what those sessions started and left pending
 * (challenges, contact changes), so that nothing begun on a revoked session can be finished. Database only.
 */
export type RevocationListener = (em: EntityManager, userId: string, sessionIds: readonly string[]) => Promise<void>;

export const allowEverySignIn: SignInGate = { check: async () => ({ allow: true }), sqlAllows: () => ({ always: true }) };

export interface SessionsServiceDeps {
  dataSource: DataSource;
  accessTokens: AccessTokens;
  revocations: RevocationList;
  audit: AuditService;
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS: hashes made under it still match (tried only on a miss). */
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  now: () => Date;
  /** REAUTH_MAX_AGE_SECONDS: how recent "recent authentication" is. Default 900. */
  reauthMaxAgeSeconds?: number;
  /** Default: allowEverySignIn. The app passes every module's gates, chained (chainSignInGates). */
  signInGate?: SignInGate;
  /** The hooks run after every new session commits (onSignedIn), read at each sign-in. */
  onSignedIn?: () => readonly ((signedIn: SignedIn) => void)[];
  /** The hooks run in every revoking transaction (onSessionsRevoked), read at each revocation. */
  onSessionsRevoked?: () => readonly RevocationListener[];
}

const REFRESH_PURPOSE = 'refresh';

/** Sessions: creation at sign-in, refresh-token rotation with reuse detection, revocation, listing. */
export class SessionsService {
  private readonly signInGate: SignInGate;
  private rawStatements: RawStatements | null = null;

  constructor(private readonly deps: SessionsServiceDeps) {
    this.signInGate = deps.signInGate ?? allowEverySignIn;
  }

  private static assurance(session: SessionEntity): SessionAssurance {
    return { amr: session.amr, aal: session.aal, authTime: session.lastAuthenticatedAt };
  }

  private hash(secret: string): string {
    return keyedHash(this.deps.hmacKey, REFRESH_PURPOSE, secret);
  }

  /**
   * A refresh token's stored hash against its secret: under WARDEN_SECRET, then (a token issued before a rotation)
   * WARDEN_SECRET_PREVIOUS. The one-statement rotation compares under the current key only; a miss takes the
   * general path, which asks this. Rotating replaces the token with one hashed under the current key.
   */
  private matches(stored: string, secret: string): boolean {
    return keyedHashMatches(stored, this.deps.hmacKey, this.deps.previousHmacKey, REFRESH_PURPOSE, secret);
  }

  private async newRefreshToken(em: EntityManager, sessionId: string): Promise<string> {
    const token = createSecretToken();
    await em.insert(RefreshTokenEntity, { id: token.id, sessionId, secretHash: this.hash(token.secret), rotatedAt: null });
    return token.token;
  }

  private async issue(em: EntityManager, session: SessionEntity, user: UserEntity, signIn: boolean): Promise<SessionTokens> {
    const refreshToken = await this.newRefreshToken(em, session.id);
    const access = await this.deps.accessTokens.issue(session.userId, session.id, SessionsService.assurance(session));
    return {
      signIn,
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

  /**
   * THE way every sign-in path (verifyOtp, verifyMagicLink, resetPassword, and later passkeys and providers)
   * starts a session, inside the caller's transaction: asks the SignInGate, then stores the session with its
   * amr, aal and authentication time and issues the first token pair.
   */
  /**
   * Asks the SignInGate about a first factor without creating a session (password login: a user with a second
   * factor gets the gate's MFA challenge instead of an emailed code). Inside the caller's transaction.
   */
  checkSignInGate(em: EntityManager, request: SignInRequest): ReturnType<SignInGate['check']> {
    return this.signInGate.check(em, { ...request, amr: [...new Set(request.amr)] });
  }

  async signIn(em: EntityManager, request: SignInRequest): Promise<IssuedSession> {
    const { user, meta } = request;
    const amr = [...new Set(request.amr)];
    // A deleted account (deleteAccount, pending erasure) signs in by no path. Read under a share lock, so a
    // deletion committing meanwhile is seen (it locks the row FOR UPDATE before ending every session).
    if (request.userLocked ? user.deletedAt !== null : await this.isDeleted(em, user.id)) {
      return {
        refused: new WardenError('FORBIDDEN', {
          message: 'This account was deleted. Recover it with requestAccountRecovery.',
          extensions: { reason: 'ACCOUNT_DELETED' },
        }),
      };
    }
    const decision = await this.signInGate.check(em, { ...request, amr });
    if (!decision.allow) return { refused: decision.error };
    const session = this.newSession(user.id, amr, meta);
    // One round trip for the session, its audit rows and its first refresh token (a named prepared statement
    // with CTEs, in the caller's transaction): `session.created`, and the rows the flow recorded before it in
    // this transaction (held by AuditService, e.g. verifyOtp's `otp.verified`). The audit observer is told
    // after COMMIT, as audit.record does.
    const audit = this.sessionCreated(session, request.method, meta);
    const refresh = createSecretToken();
    await this.raw.runIn(
      em,
      'warden_sign_in_v3',
      () => `WITH ${this.sessionInsertsSql(0, '(SELECT 1) AS one')} SELECT 1`,
      this.signInValues(session, [...this.deps.audit.takeHeld(em), AuditService.toRow(audit)], refresh),
    );
    this.afterSignIn(em, [audit], session, request.method, meta);
    return this.signedIn(session, user, refresh.token);
  }

  /**
   * signIn for the common case in ONE autocommitted statement (a named prepared statement with CTEs, no
   * transaction): lock the user (live, and `verified` set) FOR SHARE, ask the gate in SQL (sqlAllows), run the
   * caller's precondition (verifyOtp: consume the challenge) only if both passed, then insert the session, its
   * audit rows and its first refresh token only if the precondition wrote its row. Answers the new session, or
   * null when nobody was signed in and nothing was written: the caller then takes its general path (signIn in a
   * transaction), which decides again and answers every other case (deleted account, MFA_REQUIRED, unverified).
   * Also null, without a statement, when the gate cannot be asked in SQL.
   */
  async signInOneStatement(request: OneStatementSignIn): Promise<SessionTokens | null> {
    const amr = [...new Set(request.amr)];
    const { precondition, meta } = request;
    const gate = this.signInGate.sqlAllows?.(amr) ?? null;
    if (!gate) return null;
    // One name per statement text: the caller's precondition, the gate's predicate and the flag checked.
    const name = `warden_${precondition.key}_sign_in_v1_${'always' in gate ? 'all' : gate.key}_${request.verified}`;
    if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`signInOneStatement: ${name} is not a statement name ([a-z0-9_])`);
    const session = this.newSession(request.userId, amr, meta);
    const audit = [...request.audit, this.sessionCreated(session, request.method, meta)];
    const refresh = createSecretToken();
    const values = [...precondition.values, ...this.signInValues(session, audit.map(AuditService.toRow), refresh)];
    const rows = await this.raw.run<Record<string, unknown>>(name, () => this.signInOneStatementSql(gate, precondition, request.verified), values);
    const row = rows[0];
    if (!row) return null;
    // Committed: tell the audit observer and the sign-in listeners now (signIn does it after COMMIT).
    this.afterSignIn(this.deps.dataSource.manager, audit, session, request.method, meta);
    return this.signedIn(session, this.raw.toEntity(UserEntity, row), refresh.token);
  }

  /**
   * The text of signInOneStatement's statement. The precondition's parameters come first ($1…$k), the sign-in's
   * follow (sessionInsertsSql). The user's row is the answer.
   */
  private signInOneStatementSql(gate: SignInGateSql, precondition: SignInPrecondition, verified: OneStatementSignIn['verified']): string {
    const k = precondition.values.length;
    const p = (i: number) => `$${k + i}`;
    return `WITH u AS (
        SELECT ${this.raw.columns(UserEntity)} FROM ${this.raw.table(UserEntity)}
        WHERE id = ${p(2)}::uuid AND deleted_at IS NULL AND ${verified === 'phone' ? 'phone_verified' : 'email_verified'} FOR SHARE
      ), g AS (
        SELECT 1 FROM u WHERE ${'always' in gate ? 'TRUE' : gate.predicate(`${p(2)}::uuid`)}
      ), c AS (
        ${precondition.sql('g')}
      ), ${this.sessionInsertsSql(k, 'c')}
      SELECT u.* FROM u WHERE EXISTS (SELECT 1 FROM s)`;
  }

  /**
   * The CTEs both sign-in statements end with: the new session (s), its audit rows (a) and its first refresh
   * token (t), from signInValues' parameters numbered after the first `k` (p(1)…p(17)). Each writes only if
   * `from` (a CTE or subquery) has a row: the one-statement sign-in's consume, or one row always.
   */
  private sessionInsertsSql(k: number, from: string): string {
    const p = (i: number) => `$${k + i}`;
    return `s AS (
        INSERT INTO ${this.raw.table(SessionEntity)} (id, user_id, aal, amr, last_authenticated_at, last_used_at, expires_at, user_agent, ip)
        SELECT ${p(1)}::uuid, ${p(2)}::uuid, ${p(3)}::text, ${p(4)}::text[], ${p(5)}::timestamptz, ${p(5)}::timestamptz, ${p(6)}::timestamptz,
          ${p(7)}::text, ${p(8)}::text FROM ${from} RETURNING id
      ), a AS (
        INSERT INTO ${this.raw.table(AuditEventEntity)} (id, event, outcome, user_id, ip, user_agent, data)
        SELECT * FROM unnest(${p(9)}::uuid[], ${p(10)}::text[], ${p(11)}::text[], ${p(12)}::uuid[], ${p(13)}::text[], ${p(14)}::text[], ${p(15)}::jsonb[])
        WHERE EXISTS (SELECT 1 FROM s)
      ), t AS (
        INSERT INTO ${this.raw.table(RefreshTokenEntity)} (id, session_id, secret_hash, rotated_at) SELECT ${p(16)}::uuid, s.id, ${p(17)}::text, NULL FROM s
      )`;
  }

  /** A new session's row (not written). */
  private newSession(userId: string, amr: AuthMethod[], meta: RequestMeta): SessionEntity {
    const now = this.deps.now();
    return this.deps.dataSource.manager.create(SessionEntity, {
      id: randomUUID(),
      userId,
      aal: assuranceLevel(amr),
      amr,
      lastAuthenticatedAt: now,
      lastUsedAt: now,
      expiresAt: new Date(now.getTime() + this.deps.limits.refreshTokenTtlSeconds * 1000),
      revokedAt: null,
      revokedReason: null,
      userAgent: meta.userAgent,
      ip: meta.ip,
    });
  }

  private sessionCreated(session: SessionEntity, method: string, meta: RequestMeta): AuditRecord {
    return { event: AuditEvents.sessionCreated, userId: session.userId, meta, data: { sessionId: session.id, method, amr: session.amr, aal: session.aal } };
  }

  /** The sign-in statements' parameters (sessionInsertsSql's p(1)…p(17)): the session, its audit rows, its first refresh token. */
  private signInValues(session: SessionEntity, auditRows: AuditRow[], refresh: { id: string; secret: string }): unknown[] {
    return [
      session.id,
      session.userId,
      session.aal,
      session.amr,
      session.lastAuthenticatedAt,
      session.expiresAt,
      session.userAgent,
      session.ip,
      auditRows.map((r) => r.id),
      auditRows.map((r) => r.event),
      auditRows.map((r) => r.outcome),
      auditRows.map((r) => r.userId),
      auditRows.map((r) => r.ip),
      auditRows.map((r) => r.userAgent),
      auditRows.map((r) => JSON.stringify(r.data)),
      refresh.id,
      this.hash(refresh.secret),
    ];
  }

  /**
   * Once the session has committed (afterCommit: at once when `em` is in no transaction): the audit observer
   * learns of the rows the sign-in statement wrote, and the sign-in listeners (the new-device notice) run.
   */
  private afterSignIn(em: EntityManager, audit: AuditRecord[], session: SessionEntity, method: string, meta: RequestMeta): void {
    afterCommit(em, () => this.deps.audit.observeCommitted(audit));
    const listeners = this.deps.onSignedIn?.() ?? [];
    if (listeners.length > 0) {
      const signedIn: SignedIn = { userId: session.userId, sessionId: session.id, method, meta, at: session.lastAuthenticatedAt };
      afterCommit(em, () => {
        for (const listener of listeners) listener(signedIn);
      });
    }
  }

  /** A new sign-in's answer: the session's first refresh token and a fresh access token. */
  private async signedIn(session: SessionEntity, user: UserEntity, refreshToken: string): Promise<SessionTokens> {
    const access = await this.deps.accessTokens.issue(session.userId, session.id, SessionsService.assurance(session));
    return {
      signIn: true,
      sessionId: session.id,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt: this.refreshExpiresAt(session),
      user,
    };
  }

  private async isDeleted(em: EntityManager, userId: string): Promise<boolean> {
    const rows = await this.raw.runIn<{ deleted: boolean }>(
      em,
      'warden_user_deleted_v1',
      () => `SELECT deleted_at IS NOT NULL AS deleted FROM ${this.raw.table(UserEntity)} WHERE id = $1 FOR SHARE`,
      [userId],
    );
    return rows.length === 0 || rows[0]!.deleted;
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
    return this.issue(em, session, session.user!, false);
  }

  /**
   * A fresh pair for an existing session that finished something it started (completeOAuth of a linkOAuth
   * flow), without changing its amr, aal or authentication time: null unless the session is live (not revoked,
   * not expired) and belongs to userId. The session's live refresh token is rotated out, as in reauthenticate.
   * Inside the caller's transaction; the session row is locked.
   */
  async continueSession(em: EntityManager, sessionId: string, userId: string): Promise<SessionTokens | null> {
    const session = await this.touchLiveSession(em, sessionId, (current) => current.userId === userId && !current.user!.deletedAt);
    return session ? this.issue(em, session, session.user!, false) : null;
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
    changes?: (session: SessionEntity, now: Date) => Partial<Pick<SessionEntity, 'amr' | 'aal' | 'lastAuthenticatedAt'>>,
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
    await this.rotateLiveTokens(em, session.id, now);
    return session;
  }

  /** REAUTHENTICATION_REQUIRED (extensions.maxAgeSeconds) unless the session authenticated within REAUTH_MAX_AGE_SECONDS. */
  async requireRecentAuthentication(viewer: Viewer): Promise<void> {
    const maxAgeSeconds = this.deps.reauthMaxAgeSeconds ?? 900;
    const session = await this.deps.dataSource.manager.findOne(SessionEntity, {
      where: { id: viewer.sessionId },
      select: { id: true, lastAuthenticatedAt: true },
    });
    if (!session) throw new WardenError('UNAUTHENTICATED');
    if (this.deps.now().getTime() - session.lastAuthenticatedAt.getTime() > maxAgeSeconds * 1000) {
      throw new WardenError('REAUTHENTICATION_REQUIRED', { extensions: { maxAgeSeconds } });
    }
  }

  /** Marks every unrotated refresh token of a session rotated: the session's one live token is the next one issued. */
  private async rotateLiveTokens(em: EntityManager, sessionId: string, now: Date): Promise<void> {
    await em
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ rotatedAt: now })
      .where('session_id = :sessionId', { sessionId })
      .andWhere('rotated_at IS NULL')
      .execute();
  }

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
      if (!token || !this.matches(token.secretHash, parsed.secret)) return { kind: 'invalid' as const };
      const session = token.session!;
      const user = session.user!;
      const now = this.deps.now();
      if (session.revokedAt || user.deletedAt || this.refreshExpiresAt(session) <= now) return { kind: 'invalid' as const };
      if (token.rotatedAt) {
        const sinceRotationMs = now.getTime() - token.rotatedAt.getTime();
        if (sinceRotationMs > this.deps.limits.refreshReuseIntervalSeconds * 1000) {
          await this.revokeInTransaction(em, session.userId, [session.id], 'refresh_token_reused');
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
        await this.rotateLiveTokens(em, session.id, now);
      } else {
        await em.update(RefreshTokenEntity, { id: token.id }, { rotatedAt: now });
      }
      session.lastUsedAt = now;
      await em.update(SessionEntity, { id: session.id }, { lastUsedAt: now });
      await this.deps.audit.record(em, { event: AuditEvents.sessionRefreshed, userId: user.id, meta, data: { sessionId: session.id } });
      return { kind: 'ok' as const, issued: await this.issue(em, session, user, false) };
    });
    if (outcome.kind !== 'ok') throw new WardenError('INVALID_TOKEN');
    return outcome.issued;
  }

  private get raw(): RawStatements {
    return (this.rawStatements ??= new RawStatements(this.deps.dataSource));
  }

  /**
   * The common refresh (a live, unrotated token of a live session) in ONE autocommitted statement, a named
   * prepared statement with CTEs: lock and touch the session, rotate the token (only if still unrotated),
   * insert its successor and the audit row, return the session and its user. The session row is locked
   * before the token row, as in the general path's grace branch, so the two cannot deadlock each other.
   * null when it did not apply (nothing was rotated, no successor inserted): the caller takes the general
   * path. The token is found by id and its keyed hash (HMAC-SHA256 with the server's key) compared in SQL:
   * an attacker cannot choose hash bytes, so the comparison's timing says nothing usable.
   */
  private async rotateLiveToken(parsed: { id: string; secret: string }, meta: RequestMeta): Promise<SessionTokens | null> {
    const now = this.deps.now();
    const idleCutoff = new Date(now.getTime() - this.deps.limits.refreshIdleTtlSeconds * 1000);
    const next = createSecretToken();
    const rows = await this.raw.run<RefreshRow>(
      'warden_refresh_rotate_v1',
      () => {
        const sessions = this.raw.table(SessionEntity);
        const tokens = this.raw.table(RefreshTokenEntity);
        const users = this.raw.table(UserEntity);
        const audit = this.raw.table(AuditEventEntity);
        return `WITH s AS (
            UPDATE ${sessions} s SET last_used_at = $3
            FROM ${tokens} t
            WHERE t.id = $1 AND t.secret_hash = $2 AND t.rotated_at IS NULL AND s.id = t.session_id
              AND s.revoked_at IS NULL AND s.expires_at > $3 AND s.last_used_at > $4
            RETURNING s.id, s.user_id, s.amr, s.aal, s.last_authenticated_at, s.last_used_at, s.expires_at
          ), r AS (
            UPDATE ${tokens} t SET rotated_at = $3 FROM s WHERE t.id = $1 AND t.rotated_at IS NULL RETURNING t.id
          ), n AS (
            INSERT INTO ${tokens} (id, session_id, secret_hash, rotated_at) SELECT $5, s.id, $6, NULL FROM s, r
          ), a AS (
            INSERT INTO ${audit} (id, event, outcome, user_id, ip, user_agent, data)
            SELECT $7, $10, 'success', s.user_id, $8, $9, jsonb_build_object('sessionId', s.id) FROM s, r
          )
          SELECT s.id AS session_id, s.user_id, s.amr, s.aal, s.last_authenticated_at, s.last_used_at, s.expires_at,
                 EXISTS (SELECT 1 FROM r) AS rotated, u.email, u.email_verified, u.phone, u.phone_verified, u.name,
                 u.organization_id, u.created_at AS user_created_at, u.updated_at AS user_updated_at
          FROM s JOIN ${users} u ON u.id = s.user_id`;
      },
      [
        parsed.id,
        this.hash(parsed.secret),
        now,
        idleCutoff,
        next.id,
        this.hash(next.secret),
        randomUUID(),
        meta.ip,
        meta.userAgent,
        AuditEvents.sessionRefreshed,
      ],
    );
    const row = rows[0];
    if (!row?.rotated) return null;
    this.deps.audit.observeCommitted([{ event: AuditEvents.sessionRefreshed, userId: row.user_id, meta, data: { sessionId: row.session_id } }]);
    const access = await this.deps.accessTokens.issue(row.user_id, row.session_id, {
      amr: row.amr,
      aal: row.aal,
      authTime: row.last_authenticated_at,
    });
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
    const idleEnd = row.last_used_at.getTime() + this.deps.limits.refreshIdleTtlSeconds * 1000;
    return {
      signIn: false,
      sessionId: row.session_id,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken: next.token,
      refreshTokenExpiresAt: new Date(Math.min(idleEnd, row.expires_at.getTime())),
      user,
    };
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

  /**
   * Marks sessions (all of one user) revoked: first in the revocation list (so access tokens die at once), then
   * in PostgreSQL; then the revocation listeners spend what those sessions left pending, in the same transaction.
   */
  private async revokeInTransaction(em: EntityManager, userId: string, sessionIds: string[], reason: string): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.deps.revocations.revoke(sessionIds);
    await em
      .createQueryBuilder()
      .update(SessionEntity)
      .set({ revokedAt: this.deps.now(), revokedReason: reason })
      .where('id IN (:...ids)', { ids: sessionIds })
      .andWhere('revoked_at IS NULL')
      .execute();
    for (const listener of this.deps.onSessionsRevoked?.() ?? []) await listener(em, userId, sessionIds);
  }

  /**
   * Ends every live session of a user (but exceptSessionId) inside the caller's transaction; returns how many.
   * The user row is share-locked first (lock order: user, sessions, then what the listeners spend): a finish that
   * signs in afresh from a session (a contact change) locks the user first too, so either it waits for this
   * revocation, or this one waits for it and then sees, and ends, the session it created (F2).
   */
  async revokeAllInTransaction(em: EntityManager, userId: string, reason: string, meta: RequestMeta, exceptSessionId?: string): Promise<number> {
    await em.findOne(UserEntity, { where: { id: userId }, select: { id: true }, lock: { mode: 'pessimistic_read' } });
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
    await this.revokeInTransaction(em, userId, ids, reason);
    if (ids.length > 0) {
      await this.deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId, meta, data: { sessionIds: ids, reason } });
    }
    return ids.length;
  }

  private async revokeOneInTransaction(em: EntityManager, session: SessionEntity, reason: string, meta: RequestMeta): Promise<boolean> {
    if (session.revokedAt) return false;
    await this.revokeInTransaction(em, session.userId, [session.id], reason);
    await this.deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId: session.userId, meta, data: { sessionIds: [session.id], reason } });
    return true;
  }

  /** The session a refresh token (rotated or not) belongs to; null for anything else. */
  private async sessionIdOfRefreshToken(refreshToken: string | null): Promise<string | null> {
    const parsed = parseSecretToken(refreshToken);
    if (!parsed) return null;
    const token = await this.deps.dataSource.manager.findOne(RefreshTokenEntity, { where: { id: parsed.id } });
    if (!token || !this.matches(token.secretHash, parsed.secret)) return null;
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
