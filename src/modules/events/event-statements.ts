import type { TableNames } from '../audit/audit-statements';
import { EventEntity } from './event.entity';
import type { EventRow } from './outbox';

/**
 * The outbox's part of another module's hand-written statement (the one-statement sign-in writes `session.created`
 * in the same statement as the session, so both commit together). Only text is built here; other modules never
 * name the events table's columns.
 */
export const eventStatements = {
  /** `INSERT INTO events (…) SELECT <seven params> [WHERE where]`; `params` in eventStatements.values' order. */
  insertRow(names: TableNames, params: readonly string[], where?: string): string {
    if (params.length !== 7) throw new Error('eventStatements.insertRow: seven parameters');
    const [id, type, aggregateType, aggregateId, organizationId, data, occurredAt] = params;
    return `INSERT INTO ${names.table(EventEntity)} (id, type, aggregate_type, aggregate_id, organization_id, data, occurred_at, available_at)
        SELECT ${id}::text, ${type}::text, ${aggregateType}::text, ${aggregateId}::text, ${organizationId}::uuid, ${data}::jsonb, ${occurredAt}::timestamptz,
          ${occurredAt}::timestamptz${where ? `\n        WHERE ${where}` : ''}`;
  },

  values(row: EventRow): unknown[] {
    return [row.id, row.type, row.aggregateType, row.aggregateId, row.organizationId, JSON.stringify(row.data), row.occurredAt];
  },
};
