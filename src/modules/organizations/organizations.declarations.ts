import type { ModuleDeclarations } from '../declaration-types';
import { parseExtraPermissions } from './permissions';

/** What the organizations capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const organizationsDeclarations = {
  // data.organizationId on every row; data.memberId for the member changed (who gets a row too, with data.byUserId).
  auditEvents: {
    organizationCreated: 'organization.created',
    organizationUpdated: 'organization.updated',
    organizationDeleted: 'organization.deleted',
    ownershipTransferred: 'organization.ownership_transferred',
    memberRoleUpdated: 'member.role_updated',
    memberRemoved: 'member.removed',
    memberLeft: 'member.left',
    // data.role: {key, name, permissions}
    roleCreated: 'role.created',
    roleUpdated: 'role.updated',
    roleDeleted: 'role.deleted',
  },
  rateLimits: {
    'organizations.create': 'default',
    'organizations.update': 'default',
    'organizations.delete': 'default',
    'organizations.leave': 'default',
    'organizations.remove-member': 'default',
    'organizations.update-member-role': 'default',
    'organizations.transfer-ownership': 'default',
    'organizations.set-active': 'default',
    'organizations.create-role': 'default',
    'organizations.update-role': 'default',
    'organizations.delete-role': 'default',
  },
  limits: {
    orgMaxCustomRoles: {
      env: 'ORG_MAX_CUSTOM_ROLES',
      default: 50,
      min: 1,
      max: 10000,
      doc: 'custom roles per organization; past it createRole is FORBIDDEN LIMIT_REACHED.',
    },
  },
  settings: {
    orgExtraPermissions: {
      env: 'ORG_EXTRA_PERMISSIONS',
      default: null,
      doc: 'comma-separated application permissions for organization roles, each ^[a-z][a-z0-9_]{0,31}:[a-z][a-z0-9_]{0,31}$, at most 100, none built in.',
      parse: (raw: string | undefined) => parseExtraPermissions(raw),
    },
  },
  errorCodes: {
    LAST_OWNER: { message: 'An organization always keeps an owner: make another member owner first.', logLevel: 'info' },
  },
  inputBounds: { organizationId: 64, userId: 64, slug: 64, role: 64, permission: 100, key: 64 },
} as const satisfies ModuleDeclarations;
