import { EventTypes, type NewEvent } from '../events/outbox';
import type { OrganizationEntity } from './organization.entity';

type OrgType = typeof EventTypes.organizationCreated | typeof EventTypes.organizationUpdated;
type MembershipType = typeof EventTypes.membershipCreated | typeof EventTypes.membershipUpdated | typeof EventTypes.membershipDeleted;
type InvitationType =
  typeof EventTypes.invitationCreated | typeof EventTypes.invitationAccepted | typeof EventTypes.invitationDeclined | typeof EventTypes.invitationRevoked;
type RoleType = typeof EventTypes.roleCreated | typeof EventTypes.roleUpdated | typeof EventTypes.roleDeleted;

const about = (organizationId: string) => ({ aggregateType: 'organization' as const, aggregateId: organizationId, organizationId });

/** The organization-aggregate events (contract, "Events and webhooks"), as kernel.events.emit takes them. */
export const organizationEvents = {
  organization(type: OrgType, org: Pick<OrganizationEntity, 'id' | 'name' | 'slug' | 'industry' | 'teamSize' | 'logoUrl' | 'createdAt'>): NewEvent {
    const { id, name, slug, industry, teamSize, logoUrl, createdAt } = org;
    return { type, ...about(id), data: { organization: { id, name, slug, industry, teamSize, logoUrl, createdAt } } };
  },

  deleted(organizationId: string): NewEvent {
    return { type: EventTypes.organizationDeleted, ...about(organizationId), data: { organizationId } };
  },

  /** + previousRole (updated), reason removed | left | erased (deleted). */
  membership(type: MembershipType, organizationId: string, userId: string, role: string, extra: { previousRole?: string; reason?: string } = {}): NewEvent {
    return { type, ...about(organizationId), data: { organizationId, userId, role, ...extra } };
  },

  /** + userId (accepted). */
  invitation(type: InvitationType, inv: { organizationId: string; id: string; email: string; role: string }, extra: { userId?: string } = {}): NewEvent {
    return {
      type,
      ...about(inv.organizationId),
      data: { organizationId: inv.organizationId, invitationId: inv.id, email: inv.email, role: inv.role, ...extra },
    };
  },

  role(type: RoleType, organizationId: string, role: { key: string; name: string; permissions: readonly string[] }): NewEvent {
    return { type, ...about(organizationId), data: { organizationId, role: { key: role.key, name: role.name, permissions: [...role.permissions] } } };
  },
};

/** invitation.accepted, and membership.created when the user was not a member yet. */
export function acceptedEvents(row: { organizationId: string; id: string; email: string; role: string }, userId: string, joined: boolean): NewEvent[] {
  const accepted = organizationEvents.invitation(EventTypes.invitationAccepted, row, { userId });
  return joined ? [accepted, organizationEvents.membership(EventTypes.membershipCreated, row.organizationId, userId, row.role)] : [accepted];
}
