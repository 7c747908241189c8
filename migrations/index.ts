import { InitialSchema1763923200000 } from './1763923200000-InitialSchema';
import { SessionAssurance1764979200000 } from './1764979200000-SessionAssurance';
import { RetentionIndexes1795910400000 } from './1795910400000-RetentionIndexes';
import { OAuthIdentities1796100000000 } from './1796100000000-OAuthIdentities';
import { Mfa1796200000000 } from './1796200000000-Mfa';
import { AccountLifecycle1796300000000 } from './1796300000000-AccountLifecycle';
import { Passkeys1796400000000 } from './1796400000000-Passkeys';
import { Organizations1796500000000 } from './1796500000000-Organizations';
import { OrganizationInvitations1796520000000 } from './1796520000000-OrganizationInvitations';
import { OrganizationRoles1796600000000 } from './1796600000000-OrganizationRoles';
import { ActiveOrganization1796650000000 } from './1796650000000-ActiveOrganization';
import { AuditActors1796900000000 } from './1796900000000-AuditActors';
import { Events1797000000000 } from './1797000000000-Events';
import { ApiKeys1797100000000 } from './1797100000000-ApiKeys';
import { Administration1797200000000 } from './1797200000000-Administration';
import { Impersonation1797210000000 } from './1797210000000-Impersonation';
import { AuditChain1797300000000 } from './1797300000000-AuditChain';
import { Webhooks1797400000000 } from './1797400000000-Webhooks';
import { WebhookDeliveriesEndpointDue1797450000000 } from './1797450000000-WebhookDeliveriesEndpointDue';

/** Every migration, in order. Listed explicitly (not globbed) so compiled, jest and CLI runs load the same set. */
export const migrations = [
  InitialSchema1763923200000,
  SessionAssurance1764979200000,
  RetentionIndexes1795910400000,
  OAuthIdentities1796100000000,
  Mfa1796200000000,
  AccountLifecycle1796300000000,
  Passkeys1796400000000,
  Organizations1796500000000,
  OrganizationInvitations1796520000000,
  OrganizationRoles1796600000000,
  ActiveOrganization1796650000000,
  AuditActors1796900000000,
  Events1797000000000,
  ApiKeys1797100000000,
  Administration1797200000000,
  Impersonation1797210000000,
  AuditChain1797300000000,
  Webhooks1797400000000,
  WebhookDeliveriesEndpointDue1797450000000,
];
