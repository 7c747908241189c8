import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';
import type { AuditEventName } from './audit-events';
import type { RequestMeta } from '../../http/request-meta';

export interface AuditRecord {
  event: AuditEventName;
  outcome?: 'success' | 'failure';
  userId?: string | null;
  meta?: RequestMeta | null;
  /** Never a password, code or token. */
  data?: Record<string, unknown>;
}

/** Writes audit rows with the caller's EntityManager, so a write and its audit row commit together. */
export class AuditService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics?: { authEvents: { inc(labels: { event: string; outcome: string }): void } },
  ) {}

  async record(em: EntityManager, record: AuditRecord): Promise<void> {
    await this.recordMany(em, [record]);
  }

  /** Several rows in one INSERT (one round trip), e.g. "password checked" and "code sent" of one login. */
  async recordMany(em: EntityManager, records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    for (const record of records) this.metrics?.authEvents.inc({ event: record.event, outcome: record.outcome ?? 'success' });
    await em.insert(
      AuditEventEntity,
      records.map((record) => ({
        id: randomUUID(),
        event: record.event,
        outcome: record.outcome ?? 'success',
        userId: record.userId ?? null,
        ip: record.meta?.ip ?? null,
        userAgent: record.meta?.userAgent ?? null,
        data: (record.data ?? {}) as object,
      })),
    );
  }

  /** For failures that have no other write to join (wrong code, wrong password). */
  recordAlone(record: AuditRecord): Promise<void> {
    return this.record(this.dataSource.manager, record);
  }
}
