import type { EntityManager } from 'typeorm';
import type { SessionEntity } from './session.entity';
import { TokenPairs } from './token-pairs';
import { SignIn } from './sign-in';
import { SessionRefresh } from './refresh';
import { SessionRevocation } from './revocation';
import { LiveSessions } from './live-sessions';
import { AuditEvents } from '../audit/audit-events';
import type { AuthMethod } from './assurance';
import type { IssuedSession, OneStatementSignIn, SessionsServiceDeps, SessionTokens, SignInGate, SignInRequest, Viewer } from './session-types';
import type { RequestMeta } from '../request-meta';
import { impersonationOf, openImpersonationSession, type ImpersonationRequest, type ImpersonationTokens } from './impersonation';

export type {
  IssuedSession,
  OneStatementSignIn,
  RefusedSignIn,
  RevocationListener,
  SessionsServiceDeps,
  SessionTokens,
  SignedIn,
  SignInGate,
  SignInGateSql,
  SignInPrecondition,
  SignInRequest,
  Viewer,
} from './session-types';
export { allowEverySignIn } from './sign-in';

/**
 * Sessions, as the other modules and the transport call them: a facade over the parts that do the work:
 * sign-in.ts (the one way a session starts, and its gate), refresh.ts (a fresh pair for an existing session),
 * revocation.ts (ending sessions), live-sessions.ts (bearer checks and listing), token-pairs.ts (what they share)
 * and session-statements.ts (the hot paths' SQL texts). Each method delegates; none adds behaviour.
 */
export class SessionsService {
  private readonly signIns: SignIn;
  private readonly refreshes: SessionRefresh;
  private readonly revocation: SessionRevocation;
  private readonly live: LiveSessions;
  private readonly pairs: TokenPairs;

  constructor(private readonly deps: SessionsServiceDeps) {
    const pairs = new TokenPairs(deps);
    this.pairs = pairs;
    this.revocation = new SessionRevocation(deps, pairs);
    this.signIns = new SignIn(deps, pairs, this.revocation);
    this.refreshes = new SessionRefresh(deps, pairs, this.revocation);
    this.live = new LiveSessions(deps);
  }

  // Sign-in (sign-in.ts)

  /** See SignIn.checkSignInGate: the gate's answer for a first factor, without creating a session. */
  checkSignInGate(em: EntityManager, request: SignInRequest): ReturnType<SignInGate['check']> {
    return this.signIns.checkSignInGate(em, request);
  }

  /** See SignIn.signIn: THE way every sign-in path starts a session, inside the caller's transaction. */
  signIn(em: EntityManager, request: SignInRequest): Promise<IssuedSession> {
    return this.signIns.signIn(em, request);
  }

  /** See SignIn.signInOneStatement: the common sign-in in one autocommitted statement; null: take signIn. */
  signInOneStatement(request: OneStatementSignIn): Promise<SessionTokens | null> {
    return this.signIns.signInOneStatement(request);
  }

  // A fresh pair for an existing session (refresh.ts)

  /** See SessionRefresh.refresh: rotation with reuse detection. */
  refresh(rawToken: string | null | undefined, meta: RequestMeta): Promise<SessionTokens> {
    return this.refreshes.refresh(rawToken, meta);
  }

  /** See SessionRefresh.reauthenticate. */
  reauthenticate(em: EntityManager, sessionId: string, amr: AuthMethod[], meta: RequestMeta): Promise<SessionTokens> {
    return this.refreshes.reauthenticate(em, sessionId, amr, meta);
  }

  /** See SessionRefresh.continueSession. */
  continueSession(em: EntityManager, sessionId: string, userId: string): Promise<SessionTokens | null> {
    return this.refreshes.continueSession(em, sessionId, userId);
  }

  /** See SessionRefresh.switchOrganization (setActiveOrganization). */
  switchOrganization(em: EntityManager, sessionId: string, userId: string, organizationId: string | null): Promise<SessionTokens | null> {
    return this.refreshes.switchOrganization(em, sessionId, userId, organizationId);
  }

  // Impersonation sessions (impersonation.ts)

  /** See openImpersonationSession: a separate session of the target, its one access token with act.sub, no refresh token. */
  openImpersonation(em: EntityManager, request: ImpersonationRequest): Promise<ImpersonationTokens> {
    return openImpersonationSession(this.deps, this.pairs, em, request);
  }

  /** The impersonation session (locked FOR UPDATE in `em`), or null when the session is not one. */
  impersonationOf(em: EntityManager, sessionId: string): ReturnType<typeof impersonationOf> {
    return impersonationOf(em, sessionId);
  }

  /** Ends one session of `userId` in the caller's transaction (the revocation list first), audited session.revoked. */
  async revokeOneInTransaction(em: EntityManager, userId: string, sessionId: string, reason: string, meta: RequestMeta): Promise<void> {
    await this.revocation.revokeInTransaction(em, userId, [sessionId], reason, meta);
    await this.deps.audit.record(em, { event: AuditEvents.sessionRevoked, userId, meta, data: { sessionIds: [sessionId], reason } });
  }

  // Ending sessions (revocation.ts)

  /** See SessionRevocation.revokeAllInTransaction. */
  revokeAllInTransaction(em: EntityManager, userId: string, reason: string, meta: RequestMeta, exceptSessionId?: string): Promise<number> {
    return this.revocation.revokeAllInTransaction(em, userId, reason, meta, exceptSessionId);
  }

  logout(viewer: Viewer | null, refreshToken: string | null, meta: RequestMeta): Promise<boolean> {
    return this.revocation.logout(viewer, refreshToken, meta);
  }

  endSupersededSession(refreshToken: string | null, newSessionId: string, meta: RequestMeta): Promise<boolean> {
    return this.revocation.endSupersededSession(refreshToken, newSessionId, meta);
  }

  logoutAll(viewer: Viewer, meta: RequestMeta): Promise<number> {
    return this.revocation.logoutAll(viewer, meta);
  }

  revokeSession(viewer: Viewer, sessionId: string, meta: RequestMeta): Promise<boolean> {
    return this.revocation.revokeSession(viewer, sessionId, meta);
  }

  // Live sessions (live-sessions.ts)

  authenticate(accessToken: string): Promise<Viewer> {
    return this.live.authenticate(accessToken);
  }

  authenticateFromMemory(accessToken: string): Viewer | undefined {
    return this.live.authenticateFromMemory(accessToken);
  }

  listLive(userIds: readonly string[]): Promise<Map<string, SessionEntity[]>> {
    return this.live.listLive(userIds);
  }

  requireRecentAuthentication(viewer: Viewer): Promise<void> {
    return this.live.requireRecentAuthentication(viewer);
  }
}
