import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { WardenError } from '../../errors/warden-error';
import { OrganizationEntity } from './organization.entity';
import { MembershipEntity } from './membership.entity';
import { slugFromName, slugSuffix } from './slug';

/**
 * The organizations and memberships tables as other modules reach them (users for signup, account for deletion and
 * erasure): plain functions taking the caller's `em`, never opening a transaction of their own.
 */
/** The organizations row, as other modules may name it (they never import organization.entity.ts). */
export type OrganizationRow = OrganizationEntity;

export interface NewOrganization {
  name: string;
  /** Already checked against SLUG_PATTERN; null or undefined: made from the name. */
  slug?: string | null;
  industry: string | null;
  teamSize: string | null;
  logoUrl: string | null;
}

/**
 * Inserts the organization and its owner's membership in `em` (signup's transaction, or createOrganization's). A
 * slug given and taken is BAD_USER_INPUT SLUG_TAKEN; a slug made from the name gets a random suffix on a clash.
 * ON CONFLICT DO NOTHING keeps the transaction usable after a clash.
 */
export async function insertOrganizationWithOwner(em: EntityManager, input: NewOrganization, ownerId: string): Promise<OrganizationEntity> {
  const id = randomUUID();
  const organizations = tableOf(em, OrganizationEntity);
  const insert = async (slug: string): Promise<boolean> => {
    const rows: unknown[] = await em.query(
      `INSERT INTO ${organizations} (id, name, slug, industry, team_size, logo_url) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (slug) DO NOTHING RETURNING id`,
      [id, input.name, slug, input.industry, input.teamSize, input.logoUrl],
    );
    return rows.length > 0;
  };
  if (input.slug) {
    if (!(await insert(input.slug))) throw slugTaken();
  } else {
    const base = slugFromName(input.name);
    let inserted = await insert(base);
    for (let attempt = 0; !inserted && attempt < 5; attempt += 1) inserted = await insert(`${base}${slugSuffix()}`);
    if (!inserted) throw new TypeError('no free slug after 5 random suffixes');
  }
  await em.insert(MembershipEntity, { id: randomUUID(), organizationId: id, userId: ownerId, role: 'owner' });
  return em.findOneOrFail(OrganizationEntity, { where: { id } });
}

/** Organizations by id, in no particular order (the users module's DataLoader and profile cache). */
export function findOrganizations(em: EntityManager, ids: readonly string[]): Promise<OrganizationEntity[]> {
  return em.find(OrganizationEntity, { where: { id: In([...ids]) } });
}

/** Signup's compensation (the SIGNUP code could not be mailed): the new organization goes again, its membership with it. */
export async function deleteOrganizationRow(em: EntityManager, id: string): Promise<void> {
  await em.delete(OrganizationEntity, { id });
}

/** FORBIDDEN LIMIT_REACHED, `extensions.limit` naming the variable reached (ORG_MAX_CUSTOM_ROLES…). */
export function limitReached(limit: string, message = `A limit was reached (${limit}).`): WardenError {
  return new WardenError('FORBIDDEN', { message, extensions: { reason: 'LIMIT_REACHED', limit } });
}

/** pg_advisory_xact_lock's first key for "memberships of one user" (the second is hashtext(user id)). */
const MEMBERSHIPS_LOCK = 727100025;

/**
 * ORG_MAX_MEMBERSHIPS_PER_USER, in `em`'s transaction, before a membership of `userId` is added (createOrganization,
 * acceptInvitation). A transaction-scoped advisory lock per user serialises two additions racing for the last place,
 * so neither passes on a count the other is about to change.
 */
export async function checkMembershipLimit(em: EntityManager, userId: string, max: number): Promise<void> {
  await em.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MEMBERSHIPS_LOCK, userId]);
  const count = await em.count(MembershipEntity, { where: { userId } });
  if (count >= max) throw limitReached('ORG_MAX_MEMBERSHIPS_PER_USER', `You can belong to at most ${max} organizations.`);
}

export function slugTaken(): WardenError {
  return new WardenError('BAD_USER_INPUT', { message: 'This slug is taken.', extensions: { field: 'slug', reason: 'SLUG_TAKEN' } });
}

/** The user's earliest-joined organization id (what the deprecated User.organization answers), or null. */
export async function earliestOrganizationId(em: EntityManager, userId: string): Promise<string | null> {
  const row = await em.findOne(MembershipEntity, { where: { userId }, order: { joinedAt: 'ASC', id: 'ASC' }, select: { organizationId: true } });
  return row?.organizationId ?? null;
}

/** SQL (for the users module's UPDATE) giving a user's earliest-joined organization; `$user` is the users row alias. */
export function earliestOrganizationSql(em: EntityManager, userColumn: string): string {
  return `(SELECT m.organization_id FROM ${tableOf(em, MembershipEntity)} m WHERE m.user_id = ${userColumn} ORDER BY m.joined_at, m.id LIMIT 1)`;
}

/**
 * deleteAccount's LAST_OWNER rule: the organizations where this user is the only owner and other members remain,
 * sorted by id.
 */
export async function soleOwnedOrganizationsWithOthers(em: EntityManager, userId: string): Promise<string[]> {
  const m = tableOf(em, MembershipEntity);
  const rows: { organization_id: string }[] = await em.query(
    `SELECT mine.organization_id FROM ${m} mine
     WHERE mine.user_id = $1 AND mine.role = 'owner'
       AND NOT EXISTS (SELECT 1 FROM ${m} o WHERE o.organization_id = mine.organization_id AND o.role = 'owner' AND o.user_id <> $1)
       AND EXISTS (SELECT 1 FROM ${m} x WHERE x.organization_id = mine.organization_id AND x.user_id <> $1)
     ORDER BY mine.organization_id`,
    [userId],
  );
  return rows.map((r) => r.organization_id);
}

/** The organizations these users belong to (before their erasure). */
export async function organizationIdsOf(em: EntityManager, userIds: readonly string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows: { organization_id: string }[] = await em.query(
    `SELECT DISTINCT organization_id FROM ${tableOf(em, MembershipEntity)} WHERE user_id = ANY($1::uuid[])`,
    [[...userIds]],
  );
  return rows.map((r) => r.organization_id);
}

/**
 * After members were erased: among these organizations, those with no member left are deleted; those with members
 * but no owner get one (the earliest-joined admin, else the earliest-joined member: contract, LAST_OWNER).
 */
export async function settleOrganizationsAfterErasure(em: EntityManager, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const o = tableOf(em, OrganizationEntity);
  const m = tableOf(em, MembershipEntity);
  await em.query(`DELETE FROM ${o} org WHERE org.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM ${m} x WHERE x.organization_id = org.id)`, [[...ids]]);
  await em.query(
    `UPDATE ${m} SET role = 'owner' WHERE id IN (
       SELECT DISTINCT ON (x.organization_id) x.id FROM ${m} x
       WHERE x.organization_id = ANY($1::uuid[])
         AND NOT EXISTS (SELECT 1 FROM ${m} y WHERE y.organization_id = x.organization_id AND y.role = 'owner')
       ORDER BY x.organization_id, (x.role = 'admin') DESC, x.joined_at, x.id)`,
    [[...ids]],
  );
}

/** The `memberships` section of exportAccountData: every organization the user belongs to, with the role. */
export async function exportMemberships(em: EntityManager, userId: string): Promise<unknown> {
  const rows: { organization_id: string; name: string; slug: string; role: string; joined_at: Date }[] = await em.query(
    `SELECT m.organization_id, o.name, o.slug, m.role, m.joined_at FROM ${tableOf(em, MembershipEntity)} m
     JOIN ${tableOf(em, OrganizationEntity)} o ON o.id = m.organization_id WHERE m.user_id = $1 ORDER BY m.joined_at, m.id`,
    [userId],
  );
  return rows.map((r) => ({ organizationId: r.organization_id, name: r.name, slug: r.slug, role: r.role, joinedAt: r.joined_at }));
}
