import type { EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { tableOf } from '../../db/table-of';
import { InvitationEntity, type InvitationStatusName } from './invitation.entity';
import { limitReached } from './organization-rows';

export interface InvitationPage {
  nodes: InvitationEntity[];
  endCursor: string | null;
  hasNextPage: boolean;
}

const COLUMNS = `id, organization_id AS "organizationId", email, role, status, token_id AS "tokenId", secret_hash AS "secretHash",
  invited_by_user_id AS "invitedByUserId", sends, last_sent_at AS "lastSentAt", expires_at AS "expiresAt", created_at AS "createdAt",
  accepted_at AS "acceptedAt", declined_at AS "declinedAt", revoked_at AS "revokedAt", ended_at AS "endedAt"`;

/** The answered status: a PENDING row past its expiry is EXPIRED (never stored). */
export function invitationStatus(row: Pick<InvitationEntity, 'status' | 'expiresAt'>, now: Date): InvitationStatusName {
  if (row.status === 'PENDING' && row.expiresAt.getTime() <= now.getTime()) return 'EXPIRED';
  return row.status as InvitationStatusName;
}

/** An organization's invitations, newest first (created_at, id descending), by keyset; status null: every one. */
export async function invitationsPage(
  em: EntityManager,
  organizationId: string,
  status: InvitationStatusName | null,
  first: number,
  after: string | null | undefined,
  now: Date,
): Promise<InvitationPage> {
  if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first must be 1 to 100.', 'first');
  const params: unknown[] = [organizationId, first + 1, now];
  let where = 'organization_id = $1';
  if (status === 'PENDING') where += ` AND status = 'PENDING' AND expires_at > $3`;
  else if (status === 'EXPIRED') where += ` AND status = 'PENDING' AND expires_at <= $3`;
  else if (status) {
    params.push(status);
    where += ` AND status = $${params.length}`;
  }
  if (after !== null && after !== undefined) {
    const cursor = decodeCursor(after);
    params.push(cursor.createdAt, cursor.id);
    where += ` AND (created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`;
  }
  const rows: (InvitationEntity & { createdText: string })[] = await em.query(
    `SELECT ${COLUMNS}, created_at::text AS "createdText", $3::timestamptz AS "_now" FROM ${tableOf(em, InvitationEntity)}
     WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT $2`,
    params,
  );
  const page = rows.slice(0, first);
  const last = page[page.length - 1];
  return { nodes: page, endCursor: last ? encodeCursor(last.createdText, last.id) : null, hasNextPage: rows.length > first };
}

/** Unexpired PENDING invitations to this (normalised, verified) address, newest first. */
export function pendingInvitationsTo(em: EntityManager, email: string, now: Date): Promise<InvitationEntity[]> {
  return em.query(
    `SELECT ${COLUMNS} FROM ${tableOf(em, InvitationEntity)} WHERE email = $1 AND status = 'PENDING' AND expires_at > $2 ORDER BY created_at DESC, id DESC LIMIT 100`,
    [email, now],
  );
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function decodeCursor(raw: string): { createdAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string' && PG_TIMESTAMP.test(value[0]) && UUID.test(value[1])) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    /* below */
  }
  throw WardenError.badInput('after is not a cursor from this connection.', 'after');
}

/** LIMIT_REACHED when the organization has `limit` (ORG_MAX_PENDING_INVITATIONS) unexpired invitations; the caller holds its row. */
export async function checkOpenInvitations(em: EntityManager, organizationId: string, now: Date, limit: number): Promise<void> {
  const open = await em
    .createQueryBuilder(InvitationEntity, 'i')
    .where('i.organization_id = :org AND i.status = :status AND i.expires_at > :now', { org: organizationId, status: 'PENDING', now })
    .getCount();
  if (open >= limit) throw limitReached('ORG_MAX_PENDING_INVITATIONS');
}
