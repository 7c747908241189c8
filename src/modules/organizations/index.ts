import type { WardenModule } from '../module';
import { OrganizationEntity } from './organization.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationFieldsResolver, OrganizationsResolver, OrganizationsUserResolver } from './organizations.resolver';

/** Organizations, memberships, built-in roles and the permission vocabulary (issue #25, first part). */
export const organizationsModule: WardenModule = {
  name: 'organizations',
  entities: [OrganizationEntity, MembershipEntity],
  resolvers: [OrganizationsResolver, OrganizationFieldsResolver, OrganizationsUserResolver],
};

// The organizations and memberships tables as other modules reach them (signup, account deletion and erasure, export).
export type { OrganizationEntity } from './organization.entity';
export {
  exportMemberships,
  insertOrganizationWithOwner,
  organizationIdsOf,
  settleOrganizationsAfterErasure,
  soleOwnedOrganizationsWithOthers,
  type NewOrganization,
} from './organization-rows';
export { OrganizationsService } from './organizations.service';
export { PermissionCatalog } from './permissions';
