import type { EntityManager } from 'typeorm';
import { findCustomRole } from './role-rows';
import type { OrganizationRoleEntity } from './role.entity';

/**
 * The organization permission vocabulary and the built-in roles (contract, "Organizations"). Every check names a
 * permission, never a role: a role is only the list of permissions it grants.
 */

/** Warden's own permissions, in the contract's order, with the line Query.permissions shows. */
export const BUILT_IN_PERMISSIONS = [
  { name: 'org:read', description: 'See the organization, its member count and its roles (in every role).' },
  { name: 'org:update', description: 'Change the organization’s name, slug and profile.' },
  { name: 'org:delete', description: 'Delete the organization or transfer its ownership (owner only).' },
  { name: 'members:read', description: 'List the members.' },
  { name: 'members:invite', description: 'Invite members; list, resend and revoke invitations.' },
  { name: 'members:remove', description: 'Remove members.' },
  { name: 'members:update_role', description: 'Change a member’s role.' },
  { name: 'roles:manage', description: 'Create, edit and delete custom roles.' },
  { name: 'api_keys:manage', description: 'Manage the organization’s API keys.' },
  { name: 'webhooks:manage', description: 'Manage the organization’s webhook endpoints and deliveries.' },
  { name: 'events:read', description: 'Read the organization’s events.' },
  { name: 'audit:read', description: 'Read the audit rows naming the organization.' },
] as const;

export type BuiltInPermission = (typeof BUILT_IN_PERMISSIONS)[number]['name'];

const builtInNames: ReadonlySet<string> = new Set(BUILT_IN_PERMISSIONS.map((p) => p.name));

/** The contract's pattern for an application permission (ORG_EXTRA_PERMISSIONS). */
export const EXTRA_PERMISSION_PATTERN = /^[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}$/;
export const MAX_EXTRA_PERMISSIONS = 100;

/**
 * ORG_EXTRA_PERMISSIONS: comma-separated, each matching EXTRA_PERMISSION_PATTERN, at most 100, none built in.
 * Blanks around entries are ignored, a repeated entry counts once. Throws an Error naming the first bad entry
 * (the message without the variable's name: the configuration writes `ORG_EXTRA_PERMISSIONS: message`).
 */
export function parseExtraPermissions(raw: string | undefined): readonly string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const names = [...new Set(raw.split(',').map((s) => s.trim()))];
  for (const name of names) {
    if (name === '') throw new Error('an empty entry (two commas in a row, or a trailing comma)');
    if (!EXTRA_PERMISSION_PATTERN.test(name)) throw new Error(`"${name}" does not match ${EXTRA_PERMISSION_PATTERN.source}`);
    if (builtInNames.has(name)) throw new Error(`"${name}" is one of Warden's own permissions`);
    // warden:* is the platform's own scope (warden:admin): a role granting it would put it in a token's scope.
    if (name.startsWith('warden:')) throw new Error(`"${name}": warden:* names are reserved for Warden's platform scope`);
  }
  if (names.length > MAX_EXTRA_PERMISSIONS) throw new Error(`${names.length} permissions, at most ${MAX_EXTRA_PERMISSIONS}`);
  return names;
}

export interface PermissionDefinition {
  name: string;
  description: string | null;
  builtIn: boolean;
}

export interface RoleDefinition {
  key: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  /** Sorted. */
  permissions: readonly string[];
}

export const BUILT_IN_ROLE_KEYS = ['owner', 'admin', 'member'] as const;

/** The vocabulary (Warden's, then the application's) and the built-in roles, fixed at start from the configuration. */
export class PermissionCatalog {
  readonly definitions: readonly PermissionDefinition[];
  readonly builtInRoles: readonly RoleDefinition[];
  private readonly known: ReadonlySet<string>;
  private readonly roles: ReadonlyMap<string, RoleDefinition>;

  constructor(extra: readonly string[]) {
    this.definitions = [
      ...BUILT_IN_PERMISSIONS.map((p) => ({ name: p.name, description: p.description, builtIn: true })),
      ...extra.map((name) => ({ name, description: null, builtIn: false })),
    ];
    this.known = new Set(this.definitions.map((d) => d.name));
    const every = [...this.known].sort();
    this.builtInRoles = [
      { key: 'owner', name: 'Owner', description: 'Every permission.', builtIn: true, permissions: every },
      { key: 'admin', name: 'Admin', description: 'Every permission but org:delete.', builtIn: true, permissions: every.filter((p) => p !== 'org:delete') },
      { key: 'member', name: 'Member', description: 'Sees the organization and its members.', builtIn: true, permissions: ['members:read', 'org:read'] },
    ];
    this.roles = new Map(this.builtInRoles.map((r) => [r.key, r]));
  }

  isPermission(name: string): boolean {
    return this.known.has(name);
  }

  /** A built-in role by key, or undefined (custom roles: roleOf). */
  role(key: string): RoleDefinition | undefined {
    return this.roles.get(key);
  }

  isBuiltInRole(key: string): boolean {
    return this.roles.has(key);
  }
}

/** The contract's pattern for a custom role key (owner, admin and member are built in and fixed). */
export const CUSTOM_ROLE_KEY_PATTERN = /^[a-z][a-z0-9_-]{1,31}$/;

/**
 * A custom role row as a definition: its stored permissions still in the vocabulary (an ORG_EXTRA_PERMISSIONS entry
 * dropped since grants nothing), never org:delete, always org:read, sorted.
 */
export function customRoleDefinition(catalog: PermissionCatalog, row: OrganizationRoleEntity): RoleDefinition {
  const permissions = new Set(row.permissions.filter((p) => catalog.isPermission(p) && p !== 'org:delete'));
  permissions.add('org:read');
  return { key: row.key, name: row.name, description: row.description, builtIn: false, permissions: [...permissions].sort() };
}

/** A role of the organization by key: a built-in one from the catalog, a custom one from organization_roles; else undefined. */
export async function roleOf(em: EntityManager, catalog: PermissionCatalog, organizationId: string, roleKey: string): Promise<RoleDefinition | undefined> {
  const builtIn = catalog.role(roleKey);
  if (builtIn) return builtIn;
  if (!CUSTOM_ROLE_KEY_PATTERN.test(roleKey)) return undefined;
  const row = await findCustomRole(em, organizationId, roleKey);
  return row ? customRoleDefinition(catalog, row) : undefined;
}

/**
 * THE permission resolution: the sorted permissions a member with `roleKey` holds in the organization, read in `em`
 * (built-in roles from the catalog, custom roles from organization_roles). Every check, viewerPermissions, viewerCan
 * and the token's scope claim take their answer from here. A key naming no role grants only org:read.
 */
export async function permissionsOf(em: EntityManager, catalog: PermissionCatalog, organizationId: string, roleKey: string): Promise<readonly string[]> {
  return (await roleOf(em, catalog, organizationId, roleKey))?.permissions ?? ['org:read'];
}
