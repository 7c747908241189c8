import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { UserEntity } from './user.entity';

/**
 * The users table as other modules reach it (they never import user.entity.ts): reads under lock, the columns
 * the account lifecycle writes, and the export sections. A write here is followed by UsersService.usersChanged
 * in the same `em`, as every write to a user is.
 */
export type UserPatch = Partial<Pick<UserEntity, 'name' | 'email' | 'emailVerified' | 'phone' | 'phoneVerified' | 'deletedAt' | 'eraseAt'>>;

/** The user row by id, or null (no lock). */
export function findUser(em: EntityManager, id: string): Promise<UserEntity | null> {
  return em.findOne(UserEntity, { where: { id } });
}

/** The user row under FOR UPDATE of the users table in `em`'s transaction (serialises changes to one account), or null. */
export function lockUser(em: EntityManager, id: string): Promise<UserEntity | null> {
  return em.findOne(UserEntity, { where: { id }, lock: { mode: 'pessimistic_write', tables: ['users'] } });
}

/** The user with this (normalised) email under FOR UPDATE, or null. */
export function lockUserByEmail(em: EntityManager, email: string): Promise<UserEntity | null> {
  return em.findOne(UserEntity, { where: { email }, lock: { mode: 'pessimistic_write', tables: ['users'] } });
}

export async function updateUser(em: EntityManager, id: string, patch: UserPatch): Promise<void> {
  await em.update(UserEntity, { id }, patch);
}

/** The `profile` section of exportAccountData. */
export async function exportProfile(em: EntityManager, userId: string): Promise<unknown> {
  const u = await em.findOneOrFail(UserEntity, { where: { id: userId } });
  return { id: u.id, email: u.email, emailVerified: u.emailVerified, phone: u.phone, phoneVerified: u.phoneVerified, name: u.name, createdAt: u.createdAt };
}

/** The `organization` section of exportAccountData. */
export async function exportOrganization(em: EntityManager, userId: string): Promise<unknown> {
  const u = await em.findOne(UserEntity, { where: { id: userId }, relations: { organization: true } });
  const o = u?.organization;
  return o ? { id: o.id, name: o.name, industry: o.industry, teamSize: o.teamSize, logoUrl: o.logoUrl } : null;
}

/** Erasure: up to `limit` accounts pending deletion whose erase_at has passed, locked (SKIP LOCKED), oldest first. */
export function lockAccountsDueForErasure(em: EntityManager, now: Date, limit: number): Promise<{ id: string; organization_id: string | null }[]> {
  return em.query(
    `SELECT id, organization_id FROM ${tableOf(em, UserEntity)} WHERE deleted_at IS NOT NULL AND erase_at <= $1 ORDER BY erase_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
}

/** Erasure: deletes these accounts (still pending deletion); ON DELETE CASCADE takes every row tied to them. */
export async function deleteErasedAccounts(em: EntityManager, ids: readonly string[]): Promise<void> {
  await em.query(`DELETE FROM ${tableOf(em, UserEntity)} WHERE id = ANY($1::uuid[]) AND deleted_at IS NOT NULL`, [[...ids]]);
}
