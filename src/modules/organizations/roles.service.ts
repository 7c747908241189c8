import { EventTypes, type EventOutbox } from '../events/outbox';
import { organizationEvents } from './organization-events';
import type { DataSource, EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents, type AuditEventName } from '../audit/audit-events';
import type { UsersService } from '../users/users.service';
import { optionalText, requiredText } from '../users/identifiers';
import type { RequestMeta } from '../request-meta';
import { OrganizationRoleEntity } from './role.entity';
import { InvitationEntity } from './invitation.entity';
import type { MembershipEntity } from './membership.entity';
import { countCustomRoles, findCustomRole, holdersOf } from './role-rows';
import { CUSTOM_ROLE_KEY_PATTERN, customRoleDefinition, type PermissionCatalog, type RoleDefinition } from './permissions';
import { permissionRequired, type Actor, type OrganizationsService } from './organizations.service';

export interface RolesDeps {
  dataSource: DataSource;
  organizations: OrganizationsService;
  users: UsersService;
  audit: AuditService;
  events: EventOutbox;
  catalog: PermissionCatalog;
  maxStringLength: number;
  /** ORG_MAX_CUSTOM_ROLES */
  maxCustomRoles: number;
}

export interface CreateRoleParams {
  organizationId: string;
  key: unknown;
  name: unknown;
  description?: unknown;
  permissions: unknown;
}

export interface UpdateRoleParams {
  organizationId: string;
  key: unknown;
  name?: unknown;
  description?: unknown;
  permissions?: unknown;
}

function roleInUse(): WardenError {
  return new WardenError('BAD_USER_INPUT', {
    message: 'Members hold this role: give them another role first.',
    extensions: { field: 'key', reason: 'ROLE_IN_USE' },
  });
}

function limitReached(limit: number): WardenError {
  return new WardenError('FORBIDDEN', {
    message: `An organization has at most ${limit} custom roles.`,
    extensions: { reason: 'LIMIT_REACHED', limit },
  });
}

/**
 * Custom roles (contract, "Organizations": "Permissions", "No escalation"). Every change runs under the
 * organization's row lock with the caller's membership read after it, needs roles:manage, and needs every permission
 * the role holds before and after the change (PERMISSION_REQUIRED naming the first missing, sorted).
 */
export class RolesService {
  constructor(private readonly deps: RolesDeps) {}

  async create(actor: Actor, params: CreateRoleParams, meta: RequestMeta): Promise<RoleDefinition> {
    const key = this.checkKey(params.key);
    const name = requiredText(params.name, 'name', this.deps.maxStringLength);
    const description = optionalText(params.description, 'description', this.deps.maxStringLength);
    const permissions = this.checkPermissions(params.permissions);
    return withTransaction(this.deps.dataSource, async (em) => {
      const { org, caller } = await this.deps.organizations.lockAsMember(em, params.organizationId, actor);
      await this.deps.organizations.require(caller, 'roles:manage', em);
      await this.requireEvery(em, caller, permissions);
      if (await findCustomRole(em, org.id, key)) throw WardenError.badInput('This organization already has a role with this key.', 'key');
      if ((await countCustomRoles(em, org.id)) >= this.deps.maxCustomRoles) throw limitReached(this.deps.maxCustomRoles);
      const row: OrganizationRoleEntity = { organizationId: org.id, key, name, description, permissions, createdAt: new Date() };
      await em.insert(OrganizationRoleEntity, { organizationId: org.id, key, name, description, permissions });
      const role = customRoleDefinition(this.deps.catalog, row);
      await this.audit(em, AuditEvents.roleCreated, actor, meta, org.id, role);
      return role;
    });
  }

  /** Omitted fields stay; permissions replaces the whole list. The role's holders are refused at once without what it lost. */
  async update(actor: Actor, params: UpdateRoleParams, meta: RequestMeta): Promise<RoleDefinition> {
    const key = this.checkKey(params.key);
    const patch: Partial<OrganizationRoleEntity> = {};
    if (params.name !== undefined && params.name !== null) patch.name = requiredText(params.name, 'name', this.deps.maxStringLength);
    if (params.description !== undefined) patch.description = optionalText(params.description, 'description', this.deps.maxStringLength);
    if (params.permissions !== undefined && params.permissions !== null) patch.permissions = this.checkPermissions(params.permissions);
    // Stale claims: the holders' access tokens for this organization are refused once this commits (CLAIMS_CHANGED).
    return this.deps.organizations.changing(async (em, claims) => {
      const { org, caller } = await this.deps.organizations.lockAsMember(em, params.organizationId, actor);
      await this.deps.organizations.require(caller, 'roles:manage', em);
      const row = await findCustomRole(em, org.id, key);
      if (!row) throw WardenError.badInput('No custom role with this key: see Organization.roles.', 'key');
      const before = customRoleDefinition(this.deps.catalog, row);
      await this.requireEvery(em, caller, [...new Set([...before.permissions, ...(patch.permissions ?? [])])]);
      if (Object.keys(patch).length > 0) await em.update(OrganizationRoleEntity, { organizationId: org.id, key }, patch);
      const role = customRoleDefinition(this.deps.catalog, { ...row, ...patch });
      if (patch.permissions) {
        // The holders' cached profiles (viewerPermissions) go; checks read the table in every request anyway.
        const holders = await holdersOf(em, org.id, key);
        this.deps.users.usersChanged(em, holders, [org.id]);
        await claims(
          org.id,
          holders.map((userId) => ({ userId, role: key })),
        );
      }
      await this.audit(em, AuditEvents.roleUpdated, actor, meta, org.id, role);
      return role;
    });
  }

  /** ROLE_IN_USE while a member or a PENDING invitation holds it. */
  async delete(actor: Actor, ref: { organizationId: string; key: unknown }, meta: RequestMeta): Promise<void> {
    const key = this.checkKey(ref.key);
    await withTransaction(this.deps.dataSource, async (em) => {
      const { org, caller } = await this.deps.organizations.lockAsMember(em, ref.organizationId, actor);
      await this.deps.organizations.require(caller, 'roles:manage', em);
      const row = await findCustomRole(em, org.id, key);
      if (!row) throw WardenError.badInput('No custom role with this key: see Organization.roles.', 'key');
      if ((await holdersOf(em, org.id, key)).length > 0) throw roleInUse();
      if (await em.exists(InvitationEntity, { where: { organizationId: org.id, role: key, status: 'PENDING' } })) throw roleInUse();
      await em.delete(OrganizationRoleEntity, { organizationId: org.id, key });
      await this.audit(em, AuditEvents.roleDeleted, actor, meta, org.id, customRoleDefinition(this.deps.catalog, row));
    });
  }

  /** A custom key: the contract's pattern, not a built-in key; else BAD_USER_INPUT. */
  private checkKey(raw: unknown): string {
    if (typeof raw === 'string' && this.deps.catalog.isBuiltInRole(raw)) {
      throw WardenError.badInput('owner, admin and member are built in and fixed.', 'key');
    }
    if (typeof raw !== 'string' || !CUSTOM_ROLE_KEY_PATTERN.test(raw)) {
      throw WardenError.badInput(`A role key matches ${CUSTOM_ROLE_KEY_PATTERN.source}.`, 'key');
    }
    return raw;
  }

  /** Each in the vocabulary and not org:delete (else BAD_USER_INPUT); org:read added; deduplicated and sorted. */
  private checkPermissions(raw: unknown): string[] {
    if (!Array.isArray(raw)) throw WardenError.badInput('permissions is a list of permission names.', 'permissions');
    const names = new Set<string>(['org:read']);
    for (const name of raw) {
      if (typeof name !== 'string' || !this.deps.catalog.isPermission(name)) {
        throw WardenError.badInput('Unknown permission: see Query.permissions.', 'permissions');
      }
      if (name === 'org:delete') throw WardenError.badInput('org:delete belongs to owners only: never to a custom role.', 'permissions');
      names.add(name);
    }
    return [...names].sort();
  }

  /** PERMISSION_REQUIRED naming the first (sorted) of `permissions` the caller does not hold. */
  private async requireEvery(em: EntityManager, caller: MembershipEntity, permissions: readonly string[]): Promise<void> {
    const held = new Set(await this.deps.organizations.permissionsOf(caller, em));
    const missing = [...permissions].sort().find((p) => !held.has(p));
    if (missing) throw permissionRequired(missing);
  }

  private async audit(em: EntityManager, event: AuditEventName, actor: Actor, meta: RequestMeta, organizationId: string, role: RoleDefinition): Promise<void> {
    const data = { organizationId, role: { key: role.key, name: role.name, permissions: [...role.permissions] } };
    await this.deps.audit.recordMany(em, [{ event, userId: actor.userId, meta, data }]);
    const type = {
      [AuditEvents.roleCreated]: EventTypes.roleCreated,
      [AuditEvents.roleUpdated]: EventTypes.roleUpdated,
      [AuditEvents.roleDeleted]: EventTypes.roleDeleted,
    }[event as string];
    if (type) await this.deps.events.emit(em, organizationEvents.role(type, organizationId, role));
  }
}
