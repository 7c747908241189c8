import type { ModuleDeclarations } from '../declaration-types';
import { parseExtraPermissions } from './permissions';
import { parseInvitationPath } from './invitation-path';

/** What the organizations capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const organizationsDeclarations = {
  // Emitted through kernel.events; aggregate: the organization (organizationId set).
  events: {
    organizationCreated: 'organization.created',
    organizationUpdated: 'organization.updated',
    organizationDeleted: 'organization.deleted',
    membershipCreated: 'membership.created',
    membershipUpdated: 'membership.updated',
    membershipDeleted: 'membership.deleted',
    invitationCreated: 'invitation.created',
    invitationAccepted: 'invitation.accepted',
    invitationDeclined: 'invitation.declined',
    invitationRevoked: 'invitation.revoked',
    roleCreated: 'role.created',
    roleUpdated: 'role.updated',
    roleDeleted: 'role.deleted',
  },
  // data.organizationId on every row; data.memberId for the member changed (who gets a row too, with data.byUserId).
  auditEvents: {
    organizationCreated: 'organization.created',
    organizationUpdated: 'organization.updated',
    organizationDeleted: 'organization.deleted',
    ownershipTransferred: 'organization.ownership_transferred',
    memberRoleUpdated: 'member.role_updated',
    memberRemoved: 'member.removed',
    memberLeft: 'member.left',
    // Invitations (invitations.service.ts): data.organizationId, data.invitationId; never the token.
    invitationSent: 'invitation.sent',
    invitationRevoked: 'invitation.revoked',
    invitationAccepted: 'invitation.accepted',
    invitationDeclined: 'invitation.declined',
    invitationFailed: 'invitation.failed',
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
    'organizations.invite': 'default',
    'organizations.resend-invitation': 'default',
    'organizations.revoke-invitation': 'default',
    'organizations.accept-invitation': 'default',
    'organizations.decline-invitation': 'default',
    'organizations.invitation-preview': 'default',
    'organizations.create-role': 'default',
    'organizations.update-role': 'default',
    'organizations.delete-role': 'default',
  },
  limits: {
    orgInvitationTtlHours: { env: 'ORG_INVITATION_TTL_HOURS', default: 168, min: 1, max: 720, doc: 'invitation lifetime.' },
    orgInvitationsPerHour: { env: 'ORG_INVITATIONS_PER_HOUR', default: 50, min: 1, max: 10000, doc: 'invitation mails per organization per hour.' },
    orgInvitationResendCooldownSeconds: {
      env: 'ORG_INVITATION_RESEND_COOLDOWN_SECONDS',
      default: 300,
      min: 30,
      max: 86400,
      doc: 'between two sends of one invitation.',
    },
    orgInvitationMaxSends: { env: 'ORG_INVITATION_MAX_SENDS', default: 5, min: 1, max: 20, doc: 'sends per invitation (the first included).' },
    orgMaxPendingInvitations: { env: 'ORG_MAX_PENDING_INVITATIONS', default: 100, min: 1, max: 10000, doc: 'unexpired PENDING invitations per organization.' },
    orgMaxMembershipsPerUser: {
      env: 'ORG_MAX_MEMBERSHIPS_PER_USER',
      default: 100,
      min: 1,
      max: 10000,
      doc: 'organizations one user may belong to (checked when accepting an invitation).',
    },
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
    orgInvitationPath: {
      env: 'ORG_INVITATION_PATH',
      default: '/invitations/accept',
      doc: 'the frontend page that calls acceptInvitation: invitation links open APP_URL + this path + ?token=….',
      parse: (raw: string | undefined) => parseInvitationPath(raw),
    },
  },
  errorCodes: {
    LAST_OWNER: { message: 'An organization always keeps an owner: make another member owner first.', logLevel: 'info' },
  },
  inputBounds: { invitationId: 64, organizationId: 64, userId: 64, slug: 64, role: 64, permission: 100, key: 64 },
} as const satisfies ModuleDeclarations;
