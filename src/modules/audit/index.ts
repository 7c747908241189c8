import { auditRetentionJobs } from './audit.retention';
import type { WardenModule } from '../module';
import { AuditEventEntity } from './audit-event.entity';
import { auditDeclarations } from './audit.declarations';

/** The audit trail, and the observers (metrics) told about each committed row. */
export const auditModule: WardenModule = {
  name: 'audit',
  entities: [AuditEventEntity],
  resolvers: [],
  jobs: auditRetentionJobs,
  ...auditDeclarations,
};
