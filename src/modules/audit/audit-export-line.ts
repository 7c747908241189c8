import type { ChainRow } from './audit-chain';
import type { AuditEventType } from './audit.types';

/** The AuditEvent fields of a row (adminAuditEvents, and each export line). */
export function toAuditEvent(row: ChainRow): AuditEventType {
  return {
    id: row.id,
    type: row.event,
    outcome: row.outcome,
    createdAt: row.createdAt,
    userId: row.userId,
    actorId: row.actorId,
    organizationId: row.organizationId,
    ip: row.ip,
    userAgent: row.userAgent,
    data: row.data ?? {},
    chainSequence: row.chainSequence,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

/** One NDJSON line: the fields of AuditEvent (createdAt as RFC 3339, in the same order) plus personalDigest. */
export function exportLine(row: ChainRow): string {
  return `${JSON.stringify({ ...toAuditEvent(row), createdAt: row.createdAt.toISOString(), personalDigest: row.personalDigest })}\n`;
}
