import { eventStatements } from '../events/event-statements';
import type { EventRow } from '../events/outbox';
import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import type { RawStatements } from '../../db/raw-statements';
import { SessionEntity } from './session.entity';
import { RefreshTokenEntity } from './refresh-token.entity';
import type { AuthMethod } from './assurance';
import type { OneStatementSignIn, SignInGateSql, SignInPrecondition } from './session-types';
import { auditStatements } from '../audit/audit-statements';
import type { AuditRow } from '../audit/audit.service';
import { userStatements } from '../users/user-statements';
import { membershipStatements } from '../organizations/membership-statements';

/**
 * The texts of the sessions module's hand-written statements (hot paths: one named prepared statement per call,
 * see RawStatements), and their parameter lists. Table names are fixed per app, so each text is built once per
 * statement name. A text that changes meaning gets a new name (…_v2): a name is prepared once per connection.
 */

/** What the one-statement refresh returns: the session after the update, its user, and whether the token rotated. */
export interface RefreshRow {
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
  /** The session's active organization, and the user's role there (both null: none, or the membership ended). */
  active_organization_id: string | null;
  active_organization_role: string | null;
}

export const REFRESH_ROTATE = 'warden_refresh_rotate_v2';
export const SIGN_IN = 'warden_sign_in_v5';

/**
 * The common refresh: lock and touch the session, rotate the token (only if still unrotated), insert its
 * successor and the `session.refreshed` audit row, return the session and its user. $1 token id, $2 its keyed
 * hash, $3 now, $4 the idle cutoff, $5 the successor's id, $6 its hash, $7 the audit row's id, $8 ip,
 * $9 user agent, $10 the audit event.
 */
export function refreshRotateSql(raw: RawStatements): string {
  const sessions = raw.table(SessionEntity);
  const tokens = raw.table(RefreshTokenEntity);
  const users = userStatements.table(raw);
  return `WITH s AS (
      UPDATE ${sessions} s SET last_used_at = $3,
        active_organization_id = CASE WHEN ${membershipStatements.roleOf(raw, 's.user_id', 's.active_organization_id')} IS NULL THEN NULL ELSE s.active_organization_id END
      FROM ${tokens} t
      WHERE t.id = $1 AND t.secret_hash = $2 AND t.rotated_at IS NULL AND s.id = t.session_id
        AND s.revoked_at IS NULL AND s.expires_at > $3 AND s.last_used_at > $4
      RETURNING s.id, s.user_id, s.amr, s.aal, s.last_authenticated_at, s.last_used_at, s.expires_at, s.active_organization_id
    ), r AS (
      UPDATE ${tokens} t SET rotated_at = $3 FROM s WHERE t.id = $1 AND t.rotated_at IS NULL RETURNING t.id
    ), n AS (
      INSERT INTO ${tokens} (id, session_id, secret_hash, rotated_at) SELECT $5, s.id, $6, NULL FROM s, r
    ), a AS (
      ${auditStatements.insert(raw, `SELECT $7, $10, 'success', s.user_id, $8, $9, jsonb_build_object('sessionId', s.id) FROM s, r`)}
    )
    SELECT s.id AS session_id, s.user_id, s.amr, s.aal, s.last_authenticated_at, s.last_used_at, s.expires_at,
           EXISTS (SELECT 1 FROM r) AS rotated, u.email, u.email_verified, u.phone, u.phone_verified, u.name,
           u.organization_id, u.created_at AS user_created_at, u.updated_at AS user_updated_at, s.active_organization_id,
           ${membershipStatements.roleOf(raw, 's.user_id', 's.active_organization_id')} AS active_organization_role
    FROM s JOIN ${users} u ON u.id = s.user_id`;
}

/** What both sign-in statements also answer: the new session's active organization and the user's role there. */
export interface SignInOrganizationRow {
  active_organization_id: string | null;
  active_organization_role: string | null;
}

/** The sign-in in the caller's transaction: sessionInsertsSql from one row always; answers SignInOrganizationRow. */
export function signInSql(raw: RawStatements): string {
  return `WITH ${sessionInsertsSql(raw, 0, '(SELECT 1) AS one')} SELECT ${activeOrganizationColumns(raw)} FROM s`;
}

/** The active organization's columns of a sign-in's answer, from the inserted session `s`. */
function activeOrganizationColumns(raw: RawStatements): string {
  return `s.active_organization_id, ${membershipStatements.roleOf(raw, 's.user_id', 's.active_organization_id')} AS active_organization_role`;
}

/** signInOneStatement's statement name: one per precondition, gate predicate and flag checked. */
export function oneStatementSignInName(precondition: SignInPrecondition, gate: SignInGateSql, verified: OneStatementSignIn['verified']): string {
  const name = `warden_${precondition.key}_sign_in_v4_${'always' in gate ? 'all' : gate.key}_${verified}`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`signInOneStatement: ${name} is not a statement name ([a-z0-9_])`);
  return name;
}

/**
 * The text of signInOneStatement's statement: lock the user (live, `verified` set) FOR SHARE, ask the gate,
 * run the precondition only if both passed, then the session's inserts only if it wrote its row. The
 * precondition's parameters come first ($1…$k), the sign-in's follow (sessionInsertsSql), then MAX_SESSIONS_PER_USER
 * (p(27), 0: no cap). The user's row is the answer, with `over_session_cap`: the user already held at least that many
 * live sessions besides impersonation ones (counted up to the cap, ignoring idleness: an over-estimate, so the caller
 * then runs the exact check, enforceSessionCap, and a sign-in under the cap stays one round trip).
 */
export function oneStatementSignInSql(
  raw: RawStatements,
  gate: SignInGateSql,
  precondition: SignInPrecondition,
  verified: OneStatementSignIn['verified'],
): string {
  const k = precondition.values.length;
  const p = (i: number) => `$${k + i}`;
  return `WITH u AS (
      SELECT ${userStatements.columns(raw)} FROM ${userStatements.table(raw)}
      WHERE id = ${p(2)}::uuid AND deleted_at IS NULL AND ${verified === 'phone' ? 'phone_verified' : 'email_verified'} FOR SHARE
    ), g AS (
      SELECT 1 FROM u WHERE ${'always' in gate ? 'TRUE' : gate.predicate(`${p(2)}::uuid`)}
    ), c AS (
      ${precondition.sql('g')}
    ), ${sessionInsertsSql(raw, k, 'c')}
    SELECT u.*, ${activeOrganizationColumns(raw)},
      ${p(27)}::int > 0 AND (SELECT count(*) FROM (SELECT 1 FROM ${raw.table(SessionEntity)} x WHERE x.user_id = ${p(2)}::uuid AND x.impersonator_id IS NULL
        AND x.revoked_at IS NULL AND x.expires_at > ${p(5)}::timestamptz LIMIT ${p(27)}::int) n) >= ${p(27)}::int AS over_session_cap
    FROM u, s`;
}

/**
 * The CTEs both sign-in statements end with: the new session (s), its audit rows (a), its first refresh
 * token (t) and its `session.created` event (e), from signInValues' parameters numbered after the first `k` (p(1)…p(26)). Each writes only if
 * `from` (a CTE or subquery) has a row: the one-statement sign-in's consume, or one row always.
 */
function sessionInsertsSql(raw: RawStatements, k: number, from: string): string {
  const p = (i: number) => `$${k + i}`;
  return `s AS (
      INSERT INTO ${raw.table(SessionEntity)} (id, user_id, aal, amr, last_authenticated_at, last_used_at, expires_at, user_agent, ip, active_organization_id)
      SELECT ${p(1)}::uuid, ${p(2)}::uuid, ${p(3)}::text, ${p(4)}::text[], ${p(5)}::timestamptz, ${p(5)}::timestamptz, ${p(6)}::timestamptz,
        ${p(7)}::text, ${p(8)}::text, ${membershipStatements.initialActiveOrganization(raw, `${p(2)}::uuid`)} FROM ${from}
      RETURNING id, user_id, active_organization_id
    ), a AS (
      ${auditStatements.insertRows(raw, [9, 10, 11, 12, 13, 14, 15, 16, 17].map(p), 'EXISTS (SELECT 1 FROM s)')}
    ), t AS (
      INSERT INTO ${raw.table(RefreshTokenEntity)} (id, session_id, secret_hash, rotated_at) SELECT ${p(18)}::uuid, s.id, ${p(19)}::text, NULL FROM s
    ), e AS (
      ${eventStatements.insertRow(raw, [20, 21, 22, 23, 24, 25, 26].map(p), 'EXISTS (SELECT 1 FROM s)')}
    )`;
}

/**
 * The sign-in statements' parameters (sessionInsertsSql's p(1)…p(26)): the session, its audit rows, its first refresh
 * token's id and hash, its `session.created` event.
 */
export function signInValues(session: SessionEntity, auditRows: readonly AuditRow[], refresh: { id: string; hash: string }, event: EventRow): unknown[] {
  return [
    session.id,
    session.userId,
    session.aal,
    session.amr,
    session.lastAuthenticatedAt,
    session.expiresAt,
    session.userAgent,
    session.ip,
    ...auditStatements.values(auditRows),
    refresh.id,
    refresh.hash,
    ...eventStatements.values(event),
  ];
}

/**
 * The sessions table's part of another module's statement: an SQL condition, true when the user whose id is the SQL
 * expression `userId` holds a live session (not revoked, before its absolute end `now`, used after `idleCutoff`; both
 * SQL expressions too, e.g. `$2`, `$3`).
 */
export function liveSessionExistsSql(em: EntityManager, userId: string, now: string, idleCutoff: string): string {
  return `EXISTS (SELECT 1 FROM ${tableOf(em, SessionEntity)} s WHERE s.user_id = ${userId} AND s.revoked_at IS NULL AND s.expires_at > ${now} AND s.last_used_at > ${idleCutoff})`;
}
