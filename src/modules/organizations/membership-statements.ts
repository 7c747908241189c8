import type { EntityManager } from 'typeorm';
import type { RawStatements } from '../../db/raw-statements';
import { tableOf } from '../../db/table-of';
import { MembershipEntity } from './membership.entity';

/**
 * The memberships table's part of the sessions module's statements (the active organization in the token): SQL
 * fragments only, so a sign-in and a refresh keep their single round trip.
 */
export const membershipStatements = {
  /**
   * SQL giving the organization a new session of the user `userId` (an SQL expression) starts with: the membership
   * the user made active last (setActiveOrganization), else the earliest joined, else NULL.
   */
  initialActiveOrganization(raw: RawStatements, userId: string): string {
    return `(SELECT m.organization_id FROM ${raw.table(MembershipEntity)} m WHERE m.user_id = ${userId}
      ORDER BY m.last_active_at DESC NULLS LAST, m.joined_at, m.id LIMIT 1)`;
  },

  /** SQL giving the role key of `userId` in `organizationId` (SQL expressions), NULL for a non-member. */
  roleOf(raw: RawStatements, userId: string, organizationId: string): string {
    return `(SELECT m.role FROM ${raw.table(MembershipEntity)} m WHERE m.user_id = ${userId} AND m.organization_id = ${organizationId})`;
  },

  /** The role of a user in an organization, in `em` (the general paths), or null. */
  async roleIn(em: EntityManager, userId: string, organizationId: string): Promise<string | null> {
    const rows: { role: string }[] = await em.query(`SELECT role FROM ${tableOf(em, MembershipEntity)} WHERE user_id = $1 AND organization_id = $2`, [
      userId,
      organizationId,
    ]);
    return rows[0]?.role ?? null;
  },
};
