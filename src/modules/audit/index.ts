import { auditRetentionJobs } from './audit.retention';
import type { WardenModule } from '../module';
import { AuditChainAnchorEntity, AuditEventEntity } from './audit-event.entity';
import { AuditSealer } from './audit-sealer';
import { auditDeclarations } from './audit.declarations';

// What other modules use: AuditService (record, recordMany, takeHeld, observeCommitted) and, for a hot path's own
// statement, auditStatements (they never name audit_events themselves). Imported from the files themselves.
export { AuditService, type AuditRecord } from './audit.service';
export { auditStatements } from './audit-statements';

/** The audit trail, and the observers (metrics) told about each committed row. The AuditService itself is in the kernel. */
export const auditModule: WardenModule = {
  name: 'audit',
  build(kernel) {
    const sealer = new AuditSealer({
      dataSource: kernel.db,
      schema: kernel.config.databaseSchema,
      intervalMs: kernel.limits.outboxPollIntervalMs,
      logger: kernel.logger,
    });
    sealer.start();
    kernel.addCleanup(() => sealer.close());
    return { instances: [kernel.audit, sealer] };
  },
  entities: [AuditEventEntity, AuditChainAnchorEntity],
  resolvers: [],
  jobs: auditRetentionJobs,
  ...auditDeclarations,
};

// The audit trail as other modules read it (module tables are private: no other module imports audit-event.entity.ts).
export { anonymiseAuditRowsOf, auditRowsOf, exportSecurityEvents, recordAccountsErased, type AuditRow } from './audit-rows';
