import { EventTypes, type EventRow } from '../events/outbox';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';
import type { TokenPairs } from './token-pairs';
import { oneStatementSignInName, oneStatementSignInSql, SIGN_IN, signInSql, signInValues, type SignInOrganizationRow } from './session-statements';
import type { IssuedSession, OneStatementSignIn, SessionsServiceDeps, SessionTokens, SignedIn, SignInGate, SignInRequest } from './session-types';
import { userStatements } from '../users/user-statements';
import { AuditService, type AuditRecord } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import { createSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import { afterCommit } from '../../db/after-commit';
import { assuranceLevel, type AuthMethod } from './assurance';
import type { SessionRevocation } from './revocation';
import { enforceSessionCap } from './session-cap';
import { withTransaction } from '../../db/transaction';

export const allowEverySignIn: SignInGate = { check: async () => ({ allow: true }), sqlAllows: () => ({ always: true }) };

/**
 * Starting a session: THE one way every sign-in path does it (signIn, and its one-statement form), the
 * SignInGate it asks first (every module's signInGates hooks, chained: chainSignInGates), and the onSignedIn
 * hooks told after COMMIT (both read at each sign-in).
 */
export class SignIn {
  private readonly signInGate: SignInGate;

  constructor(
    private readonly deps: SessionsServiceDeps,
    private readonly pairs: TokenPairs,
    private readonly revocation: SessionRevocation,
  ) {
    // Fail closed: a missing gate must never mean "every sign-in allowed" (MFA, bans and locks live in gates).
    if (!deps.signInGate) throw new TypeError("SessionsService: deps.signInGate is required (chainSignInGates of the modules' gates)");
    this.signInGate = deps.signInGate;
  }

  /**
   * Asks the SignInGate about a first factor without creating a session (password login: a user with a second
   * factor gets the gate's MFA challenge instead of an emailed code). Inside the caller's transaction.
   */
  checkSignInGate(em: EntityManager, request: SignInRequest): ReturnType<SignInGate['check']> {
    return this.signInGate.check(em, { ...request, amr: [...new Set(request.amr)] });
  }

  /**
   * THE way every sign-in path (verifyOtp, verifyMagicLink, resetPassword, and later passkeys and providers)
   * starts a session, inside the caller's transaction: asks the SignInGate, then stores the session with its
   * amr, aal and authentication time and issues the first token pair.
   */
  async signIn(em: EntityManager, request: SignInRequest): Promise<IssuedSession> {
    const { user, meta } = request;
    const amr = [...new Set(request.amr)];
    // A deleted account (deleteAccount, pending erasure) signs in by no path. Read under a share lock, so a
    // deletion committing meanwhile is seen (it locks the row FOR UPDATE before ending every session).
    if (request.userLocked ? user.deletedAt !== null : await userStatements.isDeletedForShare(this.pairs.raw, em, user.id)) {
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
    // The same statement starts the session with its active organization (the one made active last, else the
    // earliest joined) and answers the user's role there.
    const [org] = await this.pairs.raw.runIn<SignInOrganizationRow>(
      em,
      SIGN_IN,
      () => signInSql(this.pairs.raw),
      signInValues(
        session,
        [...this.deps.audit.takeHeld(em), AuditService.toRow(audit)],
        { id: refresh.id, hash: this.pairs.hash(refresh.secret) },
        this.sessionCreatedEvent(session, request.method),
      ),
    );
    session.activeOrganizationId = org?.active_organization_id ?? null;
    // MAX_SESSIONS_PER_USER: the least recently used sessions beyond it end in the same transaction.
    await enforceSessionCap(this.deps, this.pairs, this.revocation, em, user.id, session.id, meta);
    this.afterSignIn(em, [audit], session, request.method, meta);
    return this.pairs.answer(session, user, refresh.token, true, org?.active_organization_role, em);
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
    const name = oneStatementSignInName(precondition, gate, request.verified);
    const session = this.newSession(request.userId, amr, meta);
    const audit = [...request.audit, this.sessionCreated(session, request.method, meta)];
    const refresh = createSecretToken();
    const values = [
      ...precondition.values,
      ...signInValues(
        session,
        audit.map(AuditService.toRow),
        { id: refresh.id, hash: this.pairs.hash(refresh.secret) },
        this.sessionCreatedEvent(session, request.method),
      ),
      this.deps.limits.maxSessionsPerUser,
    ];
    const raw = this.pairs.raw;
    const rows = await raw.run<Record<string, unknown>>(name, () => oneStatementSignInSql(raw, gate, precondition, request.verified), values);
    const row = rows[0];
    if (!row) return null;
    // MAX_SESSIONS_PER_USER, once the session has committed: its own short transaction, only when the statement saw
    // the user at the cap already (the session-ending hooks and the impersonation cascade need a transaction). The
    // sign-in stands if it fails (its code is spent, its session exists): logged, and the next sign-in enforces it.
    if (row.over_session_cap === true) {
      try {
        await withTransaction(this.deps.dataSource, (em) => enforceSessionCap(this.deps, this.pairs, this.revocation, em, request.userId, session.id, meta));
      } catch (err) {
        this.deps.logger?.error({ err, userId: request.userId }, 'MAX_SESSIONS_PER_USER not enforced after a sign-in; the next sign-in enforces it');
      }
    }
    // Committed: tell the audit observer and the sign-in listeners now (signIn does it after COMMIT).
    this.afterSignIn(this.deps.dataSource.manager, audit, session, request.method, meta);
    session.activeOrganizationId = (row.active_organization_id as string | null) ?? null;
    return this.pairs.answer(session, userStatements.toUser(raw, row), refresh.token, true, row.active_organization_role as string | null);
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
      activeOrganizationId: null,
    });
  }

  /** The outbox row of `session.created`, written by the sign-in statement itself. */
  private sessionCreatedEvent(session: SessionEntity, method: string): EventRow {
    return this.deps.events.row({
      type: EventTypes.sessionCreated,
      aggregateType: 'user',
      aggregateId: session.userId,
      data: { userId: session.userId, sessionId: session.id, method, aal: session.aal, impersonatorId: null },
    });
  }

  private sessionCreated(session: SessionEntity, method: string, meta: RequestMeta): AuditRecord {
    return { event: AuditEvents.sessionCreated, userId: session.userId, meta, data: { sessionId: session.id, method, amr: session.amr, aal: session.aal } };
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
}
