import type { Logger } from 'pino';
import type { Notices } from '../../kernel/notices';
import type { EventOutbox } from '../events/outbox';
import type { DataSource, EntityManager } from 'typeorm';
import type { AccessTokens } from './access-tokens';
import type { RevocationList } from './revocation-list';
import type { UserEntity } from '../users/users.service';
import type { AuditRecord, AuditService } from '../audit/audit.service';
import type { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import type { AuthMethod } from './assurance';

export interface Viewer {
  userId: string;
  sessionId: string;
  /**
   * A bearer token's org_id claim (null: it has none): the session's active organization when the token was issued,
   * kept current by CLAIMS_CHANGED (a removal or the organization's deletion refuses the token). Absent when the
   * Viewer does not come from a bearer token (a sign-in or a token rotation in this request: ctx.signedIn).
   */
  organizationId?: string | null;
  /** The same token's scope claim (space-separated) when it has an org_id. */
  organizationScope?: string;
  /** The admin acting through an impersonation session (the token's act.sub); absent: the user themself. */
  impersonatorId?: string;
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
 * chained in module-list order, chainSignInGates). The second-factor module (issue #11) gives one: for a user
 * with a factor enrolled and an amr without one, it
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

export interface SessionsServiceDeps {
  dataSource: DataSource;
  accessTokens: AccessTokens;
  revocations: RevocationList;
  audit: AuditService;
  /** kernel.events: session.created (in the sign-in statement) and session.revoked (in the revoking transaction). */
  events: EventOutbox;
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS: hashes made under it still match (tried only on a miss). */
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  now: () => Date;
  /** kernel.notices: the mail of a session ended by MAX_SESSIONS_PER_USER (after commit); none: no mail. */
  notices?: Notices;
  productName?: string;
  /** kernel.logger: a failure after the sign-in committed (MAX_SESSIONS_PER_USER's own transaction) is logged, not answered. */
  logger?: Pick<Logger, 'error'>;
  /** REAUTH_MAX_AGE_SECONDS: how recent "recent authentication" is. Default 900. */
  reauthMaxAgeSeconds?: number;
  /** Required (fail closed): the app passes every module's gates, chained (chainSignInGates). */
  signInGate: SignInGate;
  /** The hooks run after every new session commits (onSignedIn), read at each sign-in. */
  onSignedIn?: () => readonly ((signedIn: SignedIn) => void)[];
  /** The hooks run in every revoking transaction (onSessionsRevoked), read at each revocation. */
  onSessionsRevoked?: () => readonly RevocationListener[];
  /** The organizations module's permissions (the `scope` claim), read at each token issued; none: no org claims. */
  organizationClaims?: () => OrganizationClaimsSource | undefined;
  /** Platform scope names (warden:admin) for a token, read at each token issued (the tokenScopes hook). */
  tokenScopes?: () => readonly TokenScopeSource[];
  /** Asked on every request of an impersonation token with the admin's id: false ends it (the admin lost their rights). */
  impersonators?: () => readonly ((adminUserId: string) => Promise<boolean>)[];
}

/** What a tokenScopes hook is told about the token being issued: whose it is and the session's assurance level. */
export interface TokenScopeSubject {
  email: string | null;
  emailVerified: boolean;
  aal: 'aal1' | 'aal2';
  /** An impersonation session's token: never a platform scope. */
  impersonated?: boolean;
}

/** Platform scope names (each `warden:*`) a module grants a token's subject; [] for none. Synchronous, no I/O. */
export type TokenScopeSource = (subject: TokenScopeSubject) => readonly string[];

export type { OrganizationClaims } from './access-tokens';

/** Where the `scope` claim comes from (the organizationClaims hook, given by the organizations module). */
export interface OrganizationClaimsSource {
  /** The sorted permissions the role key grants in that organization (built-in or custom role). */
  permissionsFor(organizationId: string, role: string, em?: EntityManager): Promise<readonly string[]> | readonly string[];
}
