import { EventTypes, type EventOutbox } from '../events/outbox';
import { organizationEvents } from './organization-events';
import type { DataSource, EntityManager } from 'typeorm';
import { In } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { tableOf } from '../../db/table-of';
import { isUniqueViolation } from '../../db/db-errors';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents, type AuditEventName } from '../audit/audit-events';
import type { UsersService } from '../users/users.service';
import type { RequestMeta } from '../request-meta';
import { OrganizationEntity } from './organization.entity';
import { MembershipEntity } from './membership.entity';
import { checkMembershipLimit, insertOrganizationWithOwner, slugTaken } from './organization-rows';
import { checkOrganizationFields, checkOrganizationPatch } from './organization-fields';
import { checkSlug } from './slug';
import { decodeCursor, encodeCursor } from './member-cursor';
import { permissionsOf, roleOf, customRoleDefinition, type PermissionCatalog, type PermissionDefinition, type RoleDefinition } from './permissions';
import { customRolesOf } from './role-rows';
import { changingClaims, type ClaimsCollector, type StaleClaims } from './stale-claims';

export interface OrganizationsDeps {
  dataSource: DataSource;
  users: UsersService;
  audit: AuditService;
  /** kernel.events: the organization-aggregate events, in the change's transaction. */
  events: EventOutbox;
  catalog: PermissionCatalog;
  maxStringLength: number;
  /** ORG_MAX_MEMBERSHIPS_PER_USER (createOrganization). */
  maxMembershipsPerUser: number;
  /** Stale claims (access tokens of a changed member refused with CLAIMS_CHANGED); set once built (index.ts). */
  claims?: StaleClaims;
}

/** Who acts: the viewer, or with apiKey a personal key's owner / an org key's creator cut to the key's scopes. */
export interface Actor {
  userId: string;
  apiKey?: { id: string; scopes: readonly string[]; organizationId: string | null };
}

const keyScoped = new WeakMap<MembershipEntity, readonly string[]>();

export interface MemberPage {
  nodes: MembershipEntity[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface CreateOrganizationParams {
  name: unknown;
  slug?: unknown;
  industry?: unknown;
  teamSize?: unknown;
  logoUrl?: unknown;
}

export type UpdateOrganizationParams = Partial<CreateOrganizationParams> & { organizationId: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that cannot name a row answers like an unknown one (never a driver error). */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

export function notAMember(): WardenError {
  return new WardenError('FORBIDDEN', { message: 'You are not a member of this organization.', extensions: { reason: 'NOT_A_MEMBER' } });
}

export function permissionRequired(permission: string): WardenError {
  return new WardenError('FORBIDDEN', {
    message: `This needs the ${permission} permission in the organization.`,
    extensions: { reason: 'PERMISSION_REQUIRED', permission },
  });
}

function ownerRequired(): WardenError {
  return new WardenError('FORBIDDEN', { message: 'Only an owner can give, take or change the owner role.', extensions: { reason: 'OWNER_REQUIRED' } });
}

function lastOwner(message: string): WardenError {
  return new WardenError('LAST_OWNER', { message });
}

function notAMemberInput(): WardenError {
  return WardenError.badInput('This user is not a member of the organization.', 'userId');
}

/**
 * Organizations and memberships (contract, "Organizations"). Every check reads the caller's membership from the
 * database in the same transaction as the change, under the organization's row lock (FOR UPDATE), and names a
 * permission, never a role: two owners demoting each other at once leave one owner.
 */
export class OrganizationsService {
  constructor(private readonly deps: OrganizationsDeps) {}

  /** Stale claims on every membership change from now on (index.ts: built after this service, which it reads). */
  useClaims(claims: StaleClaims): void {
    this.deps.claims = claims;
  }

  permissions(): readonly PermissionDefinition[] {
    return this.deps.catalog.definitions;
  }

  /** Built-in roles first, then the organization's custom roles by key. */
  async roles(organizationId: string, em: EntityManager = this.deps.dataSource.manager): Promise<RoleDefinition[]> {
    const custom = await customRolesOf(em, organizationId);
    return [...this.deps.catalog.builtInRoles, ...custom.map((row) => customRoleDefinition(this.deps.catalog, row))];
  }

  /** The sorted permissions `member` holds (permissions.ts permissionsOf: built-in roles from code, custom from the table). */
  async permissionsOf(member: MembershipEntity, em: EntityManager = this.deps.dataSource.manager): Promise<readonly string[]> {
    const held = await permissionsOf(em, this.deps.catalog, member.organizationId, member.role);
    const scopes = keyScoped.get(member);
    return scopes ? held.filter((p) => scopes.includes(p)) : held;
  }

  /** An API key's actor's membership: cut to the key's scopes (permissionsOf), never an owner (actsAsOwner). */
  asActor(member: MembershipEntity, actor: Actor): MembershipEntity {
    if (actor.apiKey?.organizationId && actor.apiKey.organizationId !== member.organizationId) throw notAMember();
    if (actor.apiKey) keyScoped.set(member, actor.apiKey.scopes);
    return member;
  }

  actsAsOwner(caller: MembershipEntity): boolean {
    return caller.role === 'owner' && !keyScoped.has(caller);
  }

  /**
   * The permissions of a role key in an organization, sorted (permissions.ts permissionsOf), read in `em`: what an
   * access token's `scope` claim holds and what a claims change compares. Built-in roles need no query.
   */
  permissionsFor(organizationId: string, role: string, em: EntityManager = this.deps.dataSource.manager): Promise<readonly string[]> {
    return permissionsOf(em, this.deps.catalog, organizationId, role);
  }

  /** A membership or role change's transaction, with stale claims (see changingClaims); roles.service's updateRole too. */
  changing<T>(work: (em: EntityManager, claims: ClaimsCollector) => Promise<T>): Promise<T> {
    return changingClaims(this.deps.dataSource, this.deps.claims, work);
  }

  /** BAD_USER_INPUT unless `permission` is in the vocabulary (viewerCan). */
  checkPermissionName(permission: unknown): string {
    if (typeof permission !== 'string' || !this.deps.catalog.isPermission(permission)) {
      throw WardenError.badInput('Unknown permission: see Query.permissions.', 'permission');
    }
    return permission;
  }

  /** The caller's memberships of these organizations, for a request's loader (ids that are not UUIDs: none). */
  async membershipsOf(userId: string, organizationIds: readonly string[]): Promise<(MembershipEntity | null)[]> {
    const ids = organizationIds.filter(isUuid);
    const rows = ids.length === 0 ? [] : await this.deps.dataSource.manager.find(MembershipEntity, { where: { userId, organizationId: In(ids) } });
    const byOrg = new Map(rows.map((r) => [r.organizationId, r]));
    return organizationIds.map((id) => byOrg.get(id) ?? null);
  }

  /** The organization if the caller is a member; null for a non-member and an unknown id alike. */
  async organizationForMember(userId: string, organizationId: string): Promise<OrganizationEntity | null> {
    if (!isUuid(organizationId)) return null;
    const em = this.deps.dataSource.manager;
    const member = await em.findOne(MembershipEntity, { where: { userId, organizationId } });
    return member ? em.findOne(OrganizationEntity, { where: { id: organizationId } }) : null;
  }

  /** The user's organizations, earliest joined first. */
  async organizationsOf(userId: string): Promise<OrganizationEntity[]> {
    const em = this.deps.dataSource.manager;
    return em.query(
      `SELECT o.id, o.name, o.slug, o.industry, o.team_size AS "teamSize", o.logo_url AS "logoUrl", o.created_at AS "createdAt"
       FROM ${tableOf(em, MembershipEntity)} m JOIN ${tableOf(em, OrganizationEntity)} o ON o.id = m.organization_id
       WHERE m.user_id = $1 ORDER BY m.joined_at, m.id`,
      [userId],
    );
  }

  /** Throws unless `member` holds `permission` (FORBIDDEN NOT_A_MEMBER for no membership). */
  async require(member: MembershipEntity | null, permission: string, em?: EntityManager): Promise<MembershipEntity> {
    if (!member) throw notAMember();
    if (!(await this.permissionsOf(member, em)).includes(permission)) throw permissionRequired(permission);
    return member;
  }

  memberCount(organizationId: string): Promise<number> {
    return this.deps.dataSource.manager.count(MembershipEntity, { where: { organizationId } });
  }

  /** Members, earliest joined first, by keyset on (joined_at, id); the cursor is opaque. */
  async members(organizationId: string, first: number, after: string | null | undefined): Promise<MemberPage> {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first must be 1 to 100.', 'first');
    const cursor = after === null || after === undefined ? null : decodeCursor(after);
    const em = this.deps.dataSource.manager;
    const params: unknown[] = [organizationId, first + 1];
    let where = 'organization_id = $1';
    if (cursor) {
      params.push(cursor.joinedAt, cursor.id);
      where += ' AND (joined_at, id) > ($3::timestamptz, $4::uuid)';
    }
    const rows: { id: string; organization_id: string; user_id: string; role: string; joined_at: Date; joined_text: string }[] = await em.query(
      `SELECT id, organization_id, user_id, role, joined_at, joined_at::text AS joined_text FROM ${tableOf(em, MembershipEntity)}
       WHERE ${where} ORDER BY joined_at, id LIMIT $2`,
      params,
    );
    const page = rows.slice(0, first);
    const last = page[page.length - 1];
    return {
      nodes: page.map((r) => ({ id: r.id, organizationId: r.organization_id, userId: r.user_id, role: r.role, joinedAt: r.joined_at })),
      endCursor: last ? encodeCursor(last.joined_text, last.id) : null,
      hasNextPage: rows.length > first,
    };
  }

  /** The viewer becomes its owner. */
  async create(actor: Actor, params: CreateOrganizationParams, meta: RequestMeta): Promise<OrganizationEntity> {
    const input = { ...checkOrganizationFields(params, this.deps.maxStringLength), slug: checkSlug(params.slug) };
    return withTransaction(this.deps.dataSource, async (em) => {
      await checkMembershipLimit(em, actor.userId, this.deps.maxMembershipsPerUser);
      const org = await insertOrganizationWithOwner(em, input, actor.userId);
      await this.deps.users.membershipsChanged(em, [actor.userId], [org.id]);
      await this.audit(em, AuditEvents.organizationCreated, actor, meta, { organizationId: org.id });
      await this.deps.events.emit(
        em,
        organizationEvents.organization(EventTypes.organizationCreated, org),
        organizationEvents.membership(EventTypes.membershipCreated, org.id, actor.userId, 'owner'),
      );
      return org;
    });
  }

  /** org:update. Omitted fields stay; null clears industry, teamSize or logoUrl (a null name or slug stays). */
  async update(actor: Actor, params: UpdateOrganizationParams, meta: RequestMeta): Promise<OrganizationEntity> {
    const patch: Partial<OrganizationEntity> = checkOrganizationPatch(params, this.deps.maxStringLength);
    try {
      return await withTransaction(this.deps.dataSource, async (em) => {
        const { org, caller } = await this.lockAsMember(em, params.organizationId, actor);
        await this.require(caller, 'org:update', em);
        if (patch.slug !== undefined && patch.slug !== org.slug) {
          const taken = await em.exists(OrganizationEntity, { where: { slug: patch.slug } });
          if (taken) throw slugTaken();
        }
        if (Object.keys(patch).length > 0) await em.update(OrganizationEntity, { id: org.id }, patch);
        this.deps.users.usersChanged(em, [], [org.id]);
        await this.audit(em, AuditEvents.organizationUpdated, actor, meta, { organizationId: org.id, fields: Object.keys(patch).sort() });
        const updated = await em.findOneOrFail(OrganizationEntity, { where: { id: org.id } });
        await this.deps.events.emit(em, organizationEvents.organization(EventTypes.organizationUpdated, updated));
        return updated;
      });
    } catch (error) {
      // Two renames racing for one slug: the loser's unique violation is the same answer.
      if (isUniqueViolation(error)) throw slugTaken();
      throw error;
    }
  }

  /** org:delete (an owner; the resolver asks for a recent authentication). Memberships go with it. */
  async delete(actor: Actor, organizationId: string, meta: RequestMeta): Promise<void> {
    await this.changing(async (em, claims) => {
      const { org, caller } = await this.lockAsMember(em, organizationId, actor);
      await this.require(caller, 'org:delete', em);
      const members = await em.find(MembershipEntity, { where: { organizationId: org.id }, select: { userId: true } });
      await claims(
        org.id,
        members.map((m) => ({ userId: m.userId, role: null })),
      );
      await em.delete(OrganizationEntity, { id: org.id });
      await this.deps.users.membershipsChanged(
        em,
        members.map((m) => m.userId),
        [org.id],
      );
      await this.audit(em, AuditEvents.organizationDeleted, actor, meta, { organizationId: org.id, members: members.length });
      await this.deps.events.emit(em, organizationEvents.deleted(org.id));
    });
  }

  /** The viewer leaves. A sole owner is LAST_OWNER (transfer ownership first, or delete the organization). */
  async leave(actor: Actor, organizationId: string, meta: RequestMeta): Promise<void> {
    await this.changing(async (em, claims) => {
      const { org, caller } = await this.lockAsMember(em, organizationId, actor);
      if (caller.role === 'owner' && (await this.ownerCount(em, org.id)) === 1) {
        throw lastOwner('You are the only owner: make another member owner first, or delete the organization.');
      }
      await em.delete(MembershipEntity, { id: caller.id });
      await claims(org.id, [{ userId: actor.userId, role: null }]);
      await this.deps.users.membershipsChanged(em, [actor.userId], [org.id]);
      await this.audit(em, AuditEvents.memberLeft, actor, meta, { organizationId: org.id, memberId: actor.userId, role: caller.role });
      await this.deps.events.emit(em, organizationEvents.membership(EventTypes.membershipDeleted, org.id, actor.userId, caller.role, { reason: 'left' }));
    });
  }

  /** members:remove; others only; an owner is removed only by an owner. */
  async removeMember(actor: Actor, ref: { organizationId: string; userId: string }, meta: RequestMeta): Promise<void> {
    await this.changing(async (em, claims) => {
      const { org, caller } = await this.lockAsMember(em, ref.organizationId, actor);
      await this.require(caller, 'members:remove', em);
      if (ref.userId === actor.userId) throw WardenError.badInput('To leave the organization yourself, use leaveOrganization.', 'userId');
      const target = await this.targetMember(em, org.id, ref.userId);
      if (target.role === 'owner') {
        if (!this.actsAsOwner(caller)) throw ownerRequired();
        if ((await this.ownerCount(em, org.id)) === 1) throw lastOwner('The organization would have no owner left.');
      }
      await em.delete(MembershipEntity, { id: target.id });
      await claims(org.id, [{ userId: target.userId, role: null }]);
      await this.deps.users.membershipsChanged(em, [target.userId], [org.id]);
      await this.audit(em, AuditEvents.memberRemoved, actor, meta, { organizationId: org.id, memberId: target.userId, role: target.role });
      await this.deps.events.emit(em, organizationEvents.membership(EventTypes.membershipDeleted, org.id, target.userId, target.role, { reason: 'removed' }));
    });
  }

  /**
   * members:update_role, and every permission of the new role (PERMISSION_REQUIRED naming the first missing,
   * sorted); giving or taking `owner` needs an owner; the last owner keeps the role (LAST_OWNER).
   */
  async updateMemberRole(actor: Actor, input: { organizationId: string; userId: string; role: string }, meta: RequestMeta): Promise<MembershipEntity> {
    return this.changing(async (em, claims) => {
      const { org, caller } = await this.lockAsMember(em, input.organizationId, actor);
      await this.require(caller, 'members:update_role', em);
      const role = typeof input.role === 'string' ? await roleOf(em, this.deps.catalog, org.id, input.role) : undefined;
      if (!role) throw WardenError.badInput('Unknown role: see Organization.roles.', 'role');
      const target = await this.targetMember(em, org.id, input.userId);
      if ((role.key === 'owner' || target.role === 'owner') && !this.actsAsOwner(caller)) throw ownerRequired();
      const held = new Set(await this.permissionsOf(caller, em));
      const missing = role.permissions.find((p) => !held.has(p));
      if (missing) throw permissionRequired(missing);
      if (target.role === role.key) return target;
      if (target.role === 'owner' && (await this.ownerCount(em, org.id)) === 1) throw lastOwner('The organization would have no owner left.');
      await em.update(MembershipEntity, { id: target.id }, { role: role.key });
      await claims(org.id, [{ userId: target.userId, role: role.key }]);
      this.deps.users.usersChanged(em, [target.userId], [org.id]);
      await this.audit(em, AuditEvents.memberRoleUpdated, actor, meta, { organizationId: org.id, memberId: target.userId, from: target.role, to: role.key });
      await this.deps.events.emit(
        em,
        organizationEvents.membership(EventTypes.membershipUpdated, org.id, target.userId, role.key, { previousRole: target.role }),
      );
      return { ...target, role: role.key };
    });
  }

  /** org:delete (an owner; the resolver asks for a recent authentication): the member becomes owner, the viewer admin. */
  async transferOwnership(actor: Actor, ref: { organizationId: string; userId: string }, meta: RequestMeta): Promise<OrganizationEntity> {
    return this.changing(async (em, claims) => {
      const { org, caller } = await this.lockAsMember(em, ref.organizationId, actor);
      await this.require(caller, 'org:delete', em);
      if (ref.userId === actor.userId) throw WardenError.badInput('You are already an owner: name another member.', 'userId');
      const target = await this.targetMember(em, org.id, ref.userId);
      await em.update(MembershipEntity, { id: target.id }, { role: 'owner' });
      await em.update(MembershipEntity, { id: caller.id }, { role: 'admin' });
      await claims(org.id, [
        { userId: target.userId, role: 'owner' },
        { userId: actor.userId, role: 'admin' },
      ]);
      this.deps.users.usersChanged(em, [target.userId, actor.userId], [org.id]);
      await this.audit(em, AuditEvents.ownershipTransferred, actor, meta, { organizationId: org.id, memberId: target.userId, from: target.role });
      await this.deps.events.emit(
        em,
        organizationEvents.membership(EventTypes.membershipUpdated, org.id, target.userId, 'owner', { previousRole: target.role }),
        organizationEvents.membership(EventTypes.membershipUpdated, org.id, actor.userId, 'admin', { previousRole: caller.role }),
      );
      return org;
    });
  }

  /** The organization under FOR UPDATE and the caller's membership read after the lock; NOT_A_MEMBER for an unknown id. */
  async lockAsMember(em: EntityManager, organizationId: string, actor: Actor): Promise<{ org: OrganizationEntity; caller: MembershipEntity }> {
    if (!isUuid(organizationId)) throw notAMember();
    const org = await em.findOne(OrganizationEntity, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
    if (!org) throw notAMember();
    const caller = await em.findOne(MembershipEntity, { where: { organizationId, userId: actor.userId } });
    if (!caller) throw notAMember();
    return { org, caller: this.asActor(caller, actor) };
  }

  private async targetMember(em: EntityManager, organizationId: string, userId: unknown): Promise<MembershipEntity> {
    if (!isUuid(userId)) throw notAMemberInput();
    const target = await em.findOne(MembershipEntity, { where: { organizationId, userId } });
    if (!target) throw notAMemberInput();
    return target;
  }

  /** Counted under the organization's row lock. */
  private ownerCount(em: EntityManager, organizationId: string): Promise<number> {
    return em.count(MembershipEntity, { where: { organizationId, role: 'owner' } });
  }

  /**
   * One audit row for the actor; a change to another member also gets a row for that member (data.byUserId), so
   * it shows in their securityEvents too.
   */
  private async audit(em: EntityManager, event: AuditEventName, actor: Actor, meta: RequestMeta, data: Record<string, unknown>): Promise<void> {
    const memberId = data.memberId;
    const rows = [{ event, userId: actor.userId, meta, data }];
    if (typeof memberId === 'string' && memberId !== actor.userId) rows.push({ event, userId: memberId, meta, data: { ...data, byUserId: actor.userId } });
    await this.deps.audit.recordMany(em, rows);
  }
}
