import type { EntityManager } from 'typeorm';
import { MembershipEntity } from './membership.entity';
import { OrganizationRoleEntity } from './role.entity';

/**
 * The organization_roles table: plain functions taking the caller's `em` (the roles service's transaction, or a
 * request's manager for a read), never opening a transaction of their own.
 */

/** One custom role of the organization, or null. */
export function findCustomRole(em: EntityManager, organizationId: string, key: string): Promise<OrganizationRoleEntity | null> {
  return em.findOne(OrganizationRoleEntity, { where: { organizationId, key } });
}

/** The organization's custom roles, by key. */
export function customRolesOf(em: EntityManager, organizationId: string): Promise<OrganizationRoleEntity[]> {
  return em.find(OrganizationRoleEntity, { where: { organizationId }, order: { key: 'ASC' } });
}

export function countCustomRoles(em: EntityManager, organizationId: string): Promise<number> {
  return em.count(OrganizationRoleEntity, { where: { organizationId } });
}

/** The user ids of the members holding this role key. */
export async function holdersOf(em: EntityManager, organizationId: string, key: string): Promise<string[]> {
  const rows = await em.find(MembershipEntity, { where: { organizationId, role: key }, select: { userId: true } });
  return rows.map((r) => r.userId);
}
