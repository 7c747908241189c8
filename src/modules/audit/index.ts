import { auditRetentionJobs } from './audit.retention';
import type { WardenModule } from '../module';
import { AuditEventEntity } from './audit-event.entity';
import { auditDeclarations } from './audit.declarations';

/** The audit trail, and the observers (metrics) told about each committed row. The AuditService itself is in the kernel. */
export const auditModule: WardenModule = {
  name: 'audit',
  build: (kernel) => ({ instances: [kernel.audit] }),
  entities: [AuditEventEntity],
  resolvers: [],
  jobs: auditRetentionJobs,
  ...auditDeclarations,
};

// The audit trail as other modules read it (module tables are private: no other module imports audit-event.entity.ts).
export { anonymiseAuditRowsOf, auditRowsOf, exportSecurityEvents, recordAccountsErased, type AuditRow } from './audit-rows';
