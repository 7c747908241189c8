import type { ChainRow } from './audit-chain';

/** One NDJSON line: the fields of AuditEvent plus personalDigest. */
export function exportLine(row: ChainRow): string {
  return `${JSON.stringify({
    id: row.id,
    type: row.event,
    outcome: row.outcome,
    createdAt: row.createdAt.toISOString(),
    userId: row.userId,
    actorId: row.actorId,
    organizationId: row.organizationId,
    ip: row.ip,
    userAgent: row.userAgent,
    data: row.data ?? {},
    chainSequence: row.chainSequence,
    prevHash: row.prevHash,
    hash: row.hash,
    personalDigest: row.personalDigest,
  })}\n`;
}
