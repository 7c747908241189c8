import type { DataSource, EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { isUuid } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { AuditEventEntity } from './audit-event.entity';
import { CHAIN_COLUMNS, type ChainRow } from './audit-chain';
import { verifyAuditChain, type ChainVerification } from './audit-verify';

/** What adminAuditEvents and the export filter on (GraphQL's AuditEventFilter). */
export interface AuditFilter {
  types?: readonly string[] | null;
  userId?: string | null;
  actorId?: string | null;
  organizationId?: string | null;
  /** Inclusive. */
  since?: Date | null;
  /** Exclusive. */
  until?: Date | null;
}

export const MAX_FILTER_TYPES = 50;
const MAX_TYPE_LENGTH = 100;

/** BAD_USER_INPUT naming the field for ids that are not UUIDs, too many or too long types, an invalid date. */
export function checkAuditFilter(filter: AuditFilter | null | undefined, fieldPrefix = 'filter.'): void {
  if (!filter) return;
  for (const key of ['userId', 'actorId', 'organizationId'] as const) {
    const value = filter[key];
    if (value !== null && value !== undefined && !isUuid(value)) throw WardenError.badInput(`${key} is not an id.`, `${fieldPrefix}${key}`);
  }
  if (filter.types && (filter.types.length > MAX_FILTER_TYPES || filter.types.some((t) => t.length === 0 || t.length > MAX_TYPE_LENGTH))) {
    throw WardenError.badInput(`types: 1 to ${MAX_FILTER_TYPES} names of 1 to ${MAX_TYPE_LENGTH} characters.`, `${fieldPrefix}types`);
  }
  for (const key of ['since', 'until'] as const) {
    const value = filter[key];
    if (value !== null && value !== undefined && Number.isNaN(value.getTime())) throw WardenError.badInput(`${key} is not a date.`, `${fieldPrefix}${key}`);
  }
}

/** The filter's SQL conditions over audit_events (alias e), parameters appended to `params`. */
export function auditFilterSql(filter: AuditFilter | null | undefined, params: unknown[]): string[] {
  return auditFilterConditions(filter, (value) => `$${params.push(value)}`);
}

/**
 * The filter's SQL conditions, each value written by `bind`: a bind parameter ($n), or, for COPY which takes none,
 * an escaped literal (audit-export-copy.ts). Arrays are text[] (`bind` answers the array, the cast follows).
 */
export function auditFilterConditions(filter: AuditFilter | null | undefined, bind: (value: unknown) => string): string[] {
  const where: string[] = [];
  if (!filter) return where;
  if (filter.types && filter.types.length > 0) where.push(`e.event = ANY(${bind([...filter.types])}::text[])`);
  if (filter.userId) where.push(`e.user_id = ${bind(filter.userId)}`);
  if (filter.actorId) where.push(`e.actor_id = ${bind(filter.actorId)}`);
  if (filter.organizationId) where.push(`e.organization_id = ${bind(filter.organizationId)}`);
  if (filter.since) where.push(`e.created_at >= ${bind(filter.since)}`);
  if (filter.until) where.push(`e.created_at < ${bind(filter.until)}`);
  return where;
}

/** adminAuditEvents: newest first (created_at, id), sealed or not; `after` is the endCursor of the page before. */
export async function listAuditEvents(
  em: EntityManager,
  filter: AuditFilter | null | undefined,
  first: number,
  after: string | null | undefined,
): Promise<{ nodes: ChainRow[]; endCursor: string | null; hasNextPage: boolean }> {
  if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first is 1 to 100.', 'first');
  checkAuditFilter(filter);
  const table = tableOf(em, AuditEventEntity);
  const params: unknown[] = [];
  const where = auditFilterSql(filter, params);
  if (after !== null && after !== undefined) {
    const afterId = Buffer.from(after, 'base64url').toString('utf8');
    if (!isUuid(afterId)) throw WardenError.badInput('after is not a cursor from this list.', 'after');
    where.push(`(e.created_at, e.id) < (SELECT c.created_at, c.id FROM ${table} c WHERE c.id = $${params.push(afterId)})`);
  }
  const rows = (await em.query(
    `SELECT ${CHAIN_COLUMNS} FROM ${table} e ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY e.created_at DESC, e.id DESC LIMIT $${params.push(first + 1)}`,
    params,
  )) as ChainRow[];
  const nodes = rows.slice(0, first);
  const last = nodes.at(-1);
  return { nodes, endCursor: last ? Buffer.from(last.id, 'utf8').toString('base64url') : null, hasNextPage: rows.length > first };
}

/** What the admin queries read (the resolver stays a transport). */
export class AuditReader {
  constructor(private readonly dataSource: DataSource) {}

  events(filter: AuditFilter | null | undefined, first: number, after: string | null | undefined) {
    return listAuditEvents(this.dataSource.manager, filter, first, after);
  }

  verify(): Promise<ChainVerification> {
    return verifyAuditChain(this.dataSource.manager);
  }
}
