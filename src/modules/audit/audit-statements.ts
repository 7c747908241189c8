import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';
import type { AuditRow } from './audit.service';

/** Resolves an entity's table for raw SQL, schema-qualified and quoted (RawStatements does; so does tableOf(em, …)). */
export interface TableNames {
  table(entity: EntityTarget<ObjectLiteral>): string;
}

/**
 * The audit trail's part of another module's hand-written statement (a hot path that writes its audit rows in
 * the same statement as its own writes, so committing together and costing no extra round trip). Only text is
 * built here: the caller runs it, in its statement or transaction, and then tells AuditService.observeCommitted.
 * The rows keep AuditService's shape (AuditService.toRow); other modules never name audit_events' columns.
 */
export const auditStatements = {
  /** The audit_events table, schema-qualified and quoted. */
  table(names: TableNames): string {
    return names.table(AuditEventEntity);
  },

  /**
   * `INSERT INTO audit_events (id, event, outcome, user_id, ip, user_agent, data[, created_at]) <select>`:
   * `select` yields those columns in that order (a SELECT over the caller's CTEs, or VALUES).
   */
  insert(names: TableNames, select: string, options: { createdAt?: boolean } = {}): string {
    const columns = `id, event, outcome, user_id, ip, user_agent, data${options.createdAt ? ', created_at' : ''}`;
    return `INSERT INTO ${auditStatements.table(names)} (${columns})
        ${select}`;
  },

  /**
   * The INSERT of rows passed as parameters: the nine placeholders `params` (in auditStatements.values' order,
   * e.g. `$9`…`$17`) carry one array each; `where` (optional) is the condition the rows are written under
   * (e.g. `EXISTS (SELECT 1 FROM s)`).
   */
  insertRows(names: TableNames, params: readonly string[], where?: string): string {
    if (params.length !== 9)
      throw new Error('auditStatements.insertRows: nine parameters (id, event, outcome, user_id, actor_id, organization_id, ip, user_agent, data)');
    const [id, event, outcome, userId, actorId, organizationId, ip, userAgent, data] = params;
    return `INSERT INTO ${auditStatements.table(names)} (id, event, outcome, user_id, actor_id, organization_id, ip, user_agent, data)
        SELECT * FROM unnest(${id}::uuid[], ${event}::text[], ${outcome}::text[], ${userId}::uuid[], ${actorId}::uuid[], ${organizationId}::uuid[], ${ip}::text[], ${userAgent}::text[], ${data}::jsonb[])${
          where ? `\n        WHERE ${where}` : ''
        }`;
  },

  /** The nine array parameters of insertRows, for these rows. */
  values(rows: readonly AuditRow[]): unknown[] {
    return [
      rows.map((r) => r.id),
      rows.map((r) => r.event),
      rows.map((r) => r.outcome),
      rows.map((r) => r.userId),
      rows.map((r) => r.actorId),
      rows.map((r) => r.organizationId),
      rows.map((r) => r.ip),
      rows.map((r) => r.userAgent),
      rows.map((r) => JSON.stringify(r.data)),
    ];
  },
};
