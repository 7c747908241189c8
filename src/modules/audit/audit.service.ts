import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEvents, type AuditEventName } from './audit-events';
import type { RequestMeta } from '../request-meta';
import type { AuditObserver } from './audit-observer';
import { afterCommit, beforeCommit } from '../../db/after-commit';
import { WardenError } from '../../errors/warden-error';

export interface AuditRecord {
  event: AuditEventName;
  outcome?: 'success' | 'failure';
  userId?: string | null;
  /** Who acted when it was not userId; default meta.actorId (an impersonating admin). */
  actorId?: string | null;
  /** The organization it is about; default data.organizationId when that is a string. */
  organizationId?: string | null;
  meta?: RequestMeta | null;
  /** Never a password, code or token. */
  data?: Record<string, unknown>;
}

export interface DeliveryFailure {
  /** Which flow was sending: otp, magic_link, password_reset, password_changed_notice… */
  flow: string;
  channel: 'EMAIL' | 'SMS';
  userId?: string | null;
  meta: RequestMeta;
}

/** An audit row as stored. */
export interface AuditRow {
  id: string;
  event: string;
  outcome: 'success' | 'failure';
  userId: string | null;
  actorId: string | null;
  organizationId: string | null;
  ip: string | null;
  userAgent: string | null;
  data: object;
}

/**
 * Writes audit rows with the caller's EntityManager, so a write and its audit row commit together.
 *
 * Inside a transaction, rows are held until the transaction's last statement: a sign-in takes them into its
 * own statement (takeHeld), and whatever is still held is written in one INSERT just before COMMIT. Either
 * way they commit or roll back with the transaction; a hot path saves a round trip per row.
 */
export class AuditService {
  private readonly held = new WeakMap<QueryRunner, AuditRow[]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics?: AuditObserver,
  ) {}

  static toRow(record: AuditRecord): AuditRow {
    return {
      id: randomUUID(),
      event: record.event,
      outcome: record.outcome ?? 'success',
      userId: record.userId ?? null,
      actorId: record.actorId ?? record.meta?.actorId ?? null,
      organizationId: record.organizationId ?? (typeof record.data?.organizationId === 'string' ? record.data.organizationId : null),
      ip: record.meta?.ip ?? null,
      userAgent: record.meta?.userAgent ?? null,
      data: (record.meta?.apiKeyId ? { ...record.data, apiKeyId: record.meta.apiKeyId } : (record.data ?? {})) as object,
    };
  }

  /** The rows recorded in `em`'s transaction and not yet written: the caller writes them in its statement. */
  takeHeld(em: EntityManager): AuditRow[] {
    const runner = em.queryRunner;
    const rows = runner ? this.held.get(runner) : undefined;
    if (!runner || !rows) return [];
    this.held.set(runner, []);
    return rows;
  }

  async record(em: EntityManager, record: AuditRecord): Promise<void> {
    await this.recordMany(em, [record]);
  }

  /** Several rows in one INSERT (one round trip), e.g. "password checked" and "code sent" of one login. */
  async recordMany(em: EntityManager, records: readonly AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    const rows = records.map(AuditService.toRow);
    const runner = em.queryRunner;
    if (runner?.isTransactionActive) {
      const held = this.held.get(runner);
      if (held) held.push(...rows);
      else {
        this.held.set(runner, rows);
        await beforeCommit(em, async () => {
          const left = this.takeHeld(em);
          if (left.length > 0) await em.insert(AuditEventEntity, left);
        });
      }
    } else {
      await em.insert(AuditEventEntity, rows);
    }
    const metrics = this.metrics;
    // Metrics count what committed: a send that failed and rolled back its transaction is not a code sent.
    if (metrics) {
      afterCommit(em, () => {
        for (const record of records) metrics.observeAudit({ event: record.event, outcome: record.outcome ?? 'success', data: record.data });
      });
    }
  }

  /** Rows a hot path wrote itself in a statement that has committed (raw SQL): told to the observer like the others. */
  observeCommitted(records: readonly AuditRecord[]): void {
    const metrics = this.metrics;
    if (!metrics) return;
    for (const record of records) metrics.observeAudit({ event: record.event, outcome: record.outcome ?? 'success', data: record.data });
  }

  /** For failures that have no other write to join (wrong code, wrong password). */
  recordAlone(record: AuditRecord): Promise<void> {
    return this.record(this.dataSource.manager, record);
  }

  /**
   * After SMTP or Twilio refused a send and the request's transaction rolled back (taking its own audit
   * rows with it): one row saying so. Other errors are not delivery failures and are ignored. Best effort:
   * the caller is already failing with `error`, which must not be masked by a second failure here.
   */
  async recordDeliveryFailure(error: unknown, failure: DeliveryFailure): Promise<void> {
    if (!(error instanceof WardenError) || error.code !== 'SERVICE_UNAVAILABLE') return;
    const dependency = error.extensions.dependency;
    if (dependency !== 'smtp' && dependency !== 'twilio' && dependency !== 'sms') return;
    await this.recordAlone({
      event: AuditEvents.deliveryFailed,
      outcome: 'failure',
      userId: failure.userId,
      meta: failure.meta,
      data: { flow: failure.flow, channel: failure.channel, dependency },
    }).catch(() => undefined);
  }
}
