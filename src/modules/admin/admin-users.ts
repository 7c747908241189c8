import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { WardenError } from '../../errors/warden-error';
import { UserBanEntity } from './user-ban.entity';
import { UserStatus } from './admin.enums';

/** One users row as adminUsers and adminUser read it, with its ban in force (if any). */
export interface AdminUserRow {
  id: string;
  email: string | null;
  email_verified: boolean;
  phone: string | null;
  phone_verified: boolean;
  name: string | null;
  created_at: Date;
  /** created_at as exact text (microseconds), for the cursor. */
  created_key: string;
  deleted_at: Date | null;
  erase_at: Date | null;
  banned: boolean;
  banned_until: Date | null;
  ban_reason: string | null;
}

export interface AdminUserFilter {
  query?: string | null;
  status?: UserStatus | null;
  emailVerified?: boolean | null;
  organizationId?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

/** `%`, `_` and `\` matched as themselves in a LIKE pattern (ESCAPE '\'). */
export function likePrefix(text: string): string {
  return `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function encodeCursor(row: Pick<AdminUserRow, 'created_key' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.created_key, row.id])).toString('base64url');
}

function decodeCursor(raw: string): [string, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string' && CURSOR_TIME.test(value[0]) && UUID.test(value[1])) {
      return [value[0], value[1]];
    }
  } catch {
    /* below */
  }
  throw WardenError.badInput('after is not a cursor from this connection.', 'after');
}

/** The status an admin sees: a pending deletion first, then a ban in force, else active. */
export function statusOf(row: Pick<AdminUserRow, 'deleted_at' | 'banned'>): UserStatus {
  if (row.deleted_at) return UserStatus.PENDING_DELETION;
  return row.banned ? UserStatus.BANNED : UserStatus.ACTIVE;
}

function columns(em: EntityManager): string {
  return `u.id, u.email, u.email_verified, u.phone, u.phone_verified, u.name, u.created_at,
          to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_key,
          u.deleted_at, u.erase_at, (b.user_id IS NOT NULL) AS banned, b.banned_until, b.reason AS ban_reason
     FROM ${tableOf(em, 'users')} u
     LEFT JOIN ${tableOf(em, UserBanEntity)} b ON b.user_id = u.id AND (b.banned_until IS NULL OR b.banned_until > $1)`;
}

/** One user by id (with its ban in force), or null. */
export async function adminUserRow(em: EntityManager, id: string, now: Date): Promise<AdminUserRow | null> {
  if (!UUID.test(id)) return null;
  const rows: AdminUserRow[] = await em.query(`SELECT ${columns(em)} WHERE u.id = $2`, [now, id]);
  return rows[0] ?? null;
}

/**
 * A page of users, newest first ((created_at, id) descending), `first + 1` rows so the caller knows whether there
 * is a next page. The query is a case-insensitive literal prefix of the email, the name (lower(name)) or the phone
 * (spaces, dashes, dots and brackets ignored; a leading + added to digits): each term is served by its
 * text_pattern_ops index (migration 1797200000000), the three OR-ed into one bitmap scan.
 */
export async function searchAdminUsers(
  em: EntityManager,
  filter: AdminUserFilter,
  first: number,
  after: string | null | undefined,
  now: Date,
): Promise<AdminUserRow[]> {
  const values: unknown[] = [now];
  const where: string[] = [];
  const param = (value: unknown) => {
    values.push(value);
    return `$${values.length}`;
  };
  if (filter.query !== undefined && filter.query !== null) {
    const query = filter.query.trim();
    if (query.length < 2 || query.length > 200) throw WardenError.badInput('query is 2 to 200 characters.', 'query');
    const lower = query.normalize('NFC').toLowerCase();
    const terms = [`u.email LIKE ${param(likePrefix(lower))} ESCAPE '\\'`, `lower(u.name) LIKE ${param(likePrefix(lower))} ESCAPE '\\'`];
    const digits = query.replace(/[\s().-]/g, '');
    if (/^\+?\d+$/.test(digits)) terms.push(`u.phone LIKE ${param(likePrefix(digits.startsWith('+') ? digits : `+${digits}`))} ESCAPE '\\'`);
    where.push(`(${terms.join(' OR ')})`);
  }
  if (filter.status === UserStatus.PENDING_DELETION) where.push('u.deleted_at IS NOT NULL');
  else if (filter.status === UserStatus.BANNED) where.push('u.deleted_at IS NULL AND b.user_id IS NOT NULL');
  else if (filter.status === UserStatus.ACTIVE) where.push('u.deleted_at IS NULL AND b.user_id IS NULL');
  if (filter.emailVerified !== undefined && filter.emailVerified !== null) where.push(`u.email_verified = ${param(filter.emailVerified)}`);
  if (filter.organizationId !== undefined && filter.organizationId !== null) {
    if (!UUID.test(filter.organizationId)) return [];
    where.push(`EXISTS (SELECT 1 FROM ${tableOf(em, 'memberships')} m WHERE m.user_id = u.id AND m.organization_id = ${param(filter.organizationId)})`);
  }
  if (after !== undefined && after !== null) {
    const [createdAt, id] = decodeCursor(after);
    where.push(`(u.created_at, u.id) < (${param(createdAt)}::timestamptz, ${param(id)}::uuid)`);
  }
  const sql = `SELECT ${columns(em)} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY u.created_at DESC, u.id DESC LIMIT ${param(first + 1)}`;
  return em.query(sql, values);
}

/** What adminUser shows beside the row: memberships, whether an authenticator is on, the last sign-in. */
export async function membershipsOf(
  em: EntityManager,
  userIds: readonly string[],
): Promise<{ user_id: string; organization_id: string; organization_name: string; role: string; joined_at: Date }[]> {
  return em.query(
    `SELECT m.user_id, m.organization_id, o.name AS organization_name, m.role, m.joined_at
       FROM ${tableOf(em, 'memberships')} m JOIN ${tableOf(em, 'organizations')} o ON o.id = m.organization_id
      WHERE m.user_id = ANY($1::uuid[]) ORDER BY m.joined_at, m.id`,
    [[...userIds]],
  );
}

export async function mfaEnabledOf(em: EntityManager, userIds: readonly string[]): Promise<Set<string>> {
  const rows: { user_id: string }[] = await em.query(
    `SELECT DISTINCT user_id FROM ${tableOf(em, 'mfa_factors')} WHERE user_id = ANY($1::uuid[]) AND confirmed_at IS NOT NULL`,
    [[...userIds]],
  );
  return new Set(rows.map((r) => r.user_id));
}

export async function lastSignInOf(em: EntityManager, userIds: readonly string[]): Promise<Map<string, Date>> {
  const rows: { user_id: string; at: Date }[] = await em.query(
    `SELECT user_id, max(created_at) AS at FROM ${tableOf(em, 'sessions')} WHERE user_id = ANY($1::uuid[]) GROUP BY user_id`,
    [[...userIds]],
  );
  return new Map(rows.map((r) => [r.user_id, r.at]));
}
