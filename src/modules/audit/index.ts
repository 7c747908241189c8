import { auditRetentionJobs } from './audit.retention';
import type { WardenModule } from '../module';
import { AuditChainAnchorEntity, AuditEventEntity } from './audit-event.entity';
import { AuditSealer } from './audit-sealer';
import { AuditAdminResolver } from './audit-admin.resolver';
import type { AdminProvides } from '../admin';
import type { SessionsProvides } from '../sessions';
import { AUDIT_EXPORT_PATH, AuditExport } from './audit-export';
import { AuditReader } from './audit-query';
import { requestMeta } from '../../http/request-meta';
import { auditDeclarations } from './audit.declarations';

// What other modules use: AuditService (record, recordMany, takeHeld, observeCommitted) and, for a hot path's own
// statement, auditStatements (they never name audit_events themselves). Imported from the files themselves.
export { AuditService, type AuditRecord } from './audit.service';
export { auditStatements } from './audit-statements';

/** The audit trail, and the observers (metrics) told about each committed row. The AuditService itself is in the kernel. */
export const auditModule: WardenModule = {
  name: 'audit',
  // admin: the check of adminAuditEvents, adminVerifyAuditChain and the export route; sessions: the export route's bearer.
  dependsOn: ['admin', 'sessions'],
  build(kernel, peers) {
    const sealer = new AuditSealer({
      dataSource: kernel.db,
      schema: kernel.config.databaseSchema,
      intervalMs: kernel.limits.outboxPollIntervalMs,
      logger: kernel.logger,
    });
    sealer.start();
    kernel.addCleanup(() => sealer.close());
    const { admins } = peers.of<AdminProvides>('admin');
    const { sessions } = peers.of<SessionsProvides>('sessions');
    const exporter = new AuditExport({ dataSource: kernel.db, admins, sessions, audit: kernel.audit, trustProxy: kernel.config.trustProxy });
    return { instances: [kernel.audit, sealer, new AuditAdminResolver(new AuditReader(kernel.db), admins), exporter] };
  },
  entities: [AuditEventEntity, AuditChainAnchorEntity],
  resolvers: [AuditAdminResolver],
  routes: [
    (fastify, services) => {
      const exporter = services.get(AuditExport);
      const { trustProxy } = exporter.settings;
      fastify.get(AUDIT_EXPORT_PATH, (request, reply) => exporter.handle(request, reply, requestMeta(request, trustProxy)));
    },
  ],
  jobs: auditRetentionJobs,
  ...auditDeclarations,
};

// The audit trail as other modules read it (module tables are private: no other module imports audit-event.entity.ts).
export { anonymiseAuditRowsOf, auditRowsOf, exportSecurityEvents, recordAccountsErased, type AuditRow } from './audit-rows';
