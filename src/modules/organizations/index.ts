import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import { StaleClaims } from './stale-claims';
import { ActiveOrganizations } from './active-organization';
import { ActiveOrganizationResolver, ActiveOrganizationSessionResolver, ActiveOrganizationUserResolver } from './active-organization.resolver';
import type { RateLimitsProvides } from '../rate-limits';
import { InvitationEntity } from './invitation.entity';
import { InvitationsService } from './invitations.service';
import { InvitationFieldsResolver, InvitationsResolver, InvitationsUserResolver } from './invitations.resolver';
import { invitationsRetentionJobs } from './invitations.retention';
import { organizationsDeclarations } from './organizations.declarations';
import { OrganizationsService } from './organizations.service';
import { PermissionCatalog } from './permissions';
import { exportMemberships } from './organization-rows';
import { OrganizationEntity } from './organization.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationRoleEntity } from './role.entity';
import { RolesService } from './roles.service';
import { RolesResolver } from './roles.resolver';
import { OrganizationFieldsResolver, OrganizationsResolver, OrganizationsUserResolver } from './organizations.resolver';

/** What organizations gives the modules that depend on it (events: the events:read check). */
export interface OrganizationsProvides {
  organizations: OrganizationsService;
}

/** Organizations, memberships, built-in roles and the permission vocabulary (issue #25, first part). */
export const organizationsModule: WardenModule = {
  name: 'organizations',
  // users: the profile cache (User.organization) and users.organization_id, kept as the earliest-joined membership.
  // sessions: the active organization (setActiveOrganization, acceptInvitation) switches the session and rotates its
  // tokens; rate-limits: sends per address.
  dependsOn: ['users', 'sessions', 'rate-limits'],
  build(kernel, peers) {
    const users = peers.of<UsersProvides>('users').users;
    const catalog = new PermissionCatalog(kernel.config.settings.orgExtraPermissions);
    const organizations = new OrganizationsService({
      dataSource: kernel.db,
      users,
      audit: kernel.audit,
      events: kernel.events,
      catalog,
      maxStringLength: kernel.limits.maxStringLength,
    });
    const { sessions, revocations } = peers.of<SessionsProvides>('sessions');
    const active = new ActiveOrganizations({ dataSource: kernel.db, sessions, organizations, now: kernel.clock.now });
    const invitations = new InvitationsService({
      dataSource: kernel.db,
      organizations,
      users,
      active,
      audit: kernel.audit,
      events: kernel.events,
      mailer: kernel.mailer,
      kv: kernel.kv,
      identifierLimits: peers.of<RateLimitsProvides>('rate-limits').identifierLimits,
      hmacKey: kernel.keys.hmacKey,
      previousHmacKey: kernel.keys.previousHmacKey,
      limits: kernel.limits,
      appUrl: kernel.config.appUrl,
      invitationPath: kernel.config.settings.orgInvitationPath,
      productName: kernel.config.productName,
      now: kernel.clock.now,
    });
    const roles = new RolesService({
      dataSource: kernel.db,
      organizations,
      users,
      audit: kernel.audit,
      events: kernel.events,
      catalog,
      maxStringLength: kernel.limits.maxStringLength,
      maxCustomRoles: kernel.limits.orgMaxCustomRoles,
    });
    organizations.useClaims(
      new StaleClaims({
        revocations,
        permissionsFor: (organizationId, role, em) => organizations.permissionsFor(organizationId, role, em),
        now: kernel.clock.now,
      }),
    );
    return {
      provides: { organizations } satisfies OrganizationsProvides,
      instances: [
        invitations,
        new InvitationsResolver(invitations),
        new InvitationFieldsResolver(invitations, organizations),
        new InvitationsUserResolver(invitations),
        organizations,
        new OrganizationsResolver(organizations),
        new OrganizationFieldsResolver(organizations),
        new OrganizationsUserResolver(organizations),
        roles,
        new RolesResolver(roles),
        active,
        new ActiveOrganizationResolver(active),
        new ActiveOrganizationUserResolver(active),
        new ActiveOrganizationSessionResolver(active),
      ],
      hooks: {
        exportSections: { memberships: exportMemberships },
        // The scope claim: the active organization's permissions (custom roles slot in through permissionsFor).
        organizationClaims: { permissionsFor: (organizationId, role, em) => organizations.permissionsFor(organizationId, role, em) },
      },
    };
  },
  entities: [OrganizationEntity, MembershipEntity, OrganizationRoleEntity, InvitationEntity],
  jobs: invitationsRetentionJobs,
  resolvers: [
    OrganizationsResolver,
    OrganizationFieldsResolver,
    OrganizationsUserResolver,
    RolesResolver,
    ActiveOrganizationResolver,
    ActiveOrganizationUserResolver,
    ActiveOrganizationSessionResolver,
    InvitationsResolver,
    InvitationFieldsResolver,
    InvitationsUserResolver,
  ],
  ...organizationsDeclarations,
};

// The organizations and memberships tables as other modules reach them (signup, account deletion and erasure, export).
export type { OrganizationEntity } from './organization.entity';
export {
  deleteOrganizationRow,
  insertOrganizationWithOwner,
  organizationIdsOf,
  settleOrganizationsAfterErasure,
  soleOwnedOrganizationsWithOthers,
  type NewOrganization,
} from './organization-rows';
