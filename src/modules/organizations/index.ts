import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import { organizationsDeclarations } from './organizations.declarations';
import { OrganizationsService } from './organizations.service';
import { PermissionCatalog } from './permissions';
import { exportMemberships } from './organization-rows';
import { OrganizationEntity } from './organization.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationFieldsResolver, OrganizationsResolver, OrganizationsUserResolver } from './organizations.resolver';

/** Organizations, memberships, built-in roles and the permission vocabulary (issue #25, first part). */
export const organizationsModule: WardenModule = {
  name: 'organizations',
  // users: the profile cache (User.organization) and users.organization_id, kept as the earliest-joined membership.
  dependsOn: ['users'],
  build(kernel, peers) {
    const organizations = new OrganizationsService({
      dataSource: kernel.db,
      users: peers.of<UsersProvides>('users').users,
      audit: kernel.audit,
      catalog: new PermissionCatalog(kernel.config.settings.orgExtraPermissions),
      maxStringLength: kernel.limits.maxStringLength,
    });
    return {
      instances: [
        organizations,
        new OrganizationsResolver(organizations),
        new OrganizationFieldsResolver(organizations),
        new OrganizationsUserResolver(organizations),
      ],
      hooks: { exportSections: { memberships: exportMemberships } },
    };
  },
  entities: [OrganizationEntity, MembershipEntity],
  resolvers: [OrganizationsResolver, OrganizationFieldsResolver, OrganizationsUserResolver],
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
