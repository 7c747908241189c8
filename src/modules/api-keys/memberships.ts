import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';

/** A membership row as the organizations service's checks take it (its entity is that module's own). */
export interface MembershipEntity {
  id: string;
  organizationId: string;
  userId: string;
  role: string;
  joinedAt: Date;
}

/**
 * A user's membership of an organization, read in `em` (the caller's transaction, or the default manager), as the
 * organizations service's checks take it. The memberships table belongs to the organizations module: read by name.
 */
export async function membershipIn(em: EntityManager, userId: string, organizationId: string): Promise<MembershipEntity | null> {
  const rows: MembershipEntity[] = await em.query(
    `SELECT id, organization_id AS "organizationId", user_id AS "userId", role, joined_at AS "joinedAt" FROM ${tableOf(em, 'memberships')} WHERE user_id = $1 AND organization_id = $2`,
    [userId, organizationId],
  );
  return rows[0] ?? null;
}
