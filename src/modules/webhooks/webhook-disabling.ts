import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { withTransaction } from '../../db/transaction';
import { tableOf } from '../../db/table-of';
import type { Clock } from '../../kernel/clock';
import type { Notices } from '../../kernel/notices';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import { EventTypes, type EventOutbox } from '../events/outbox';
import type { RequestMeta } from '../request-meta';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { endpointDisabledMail } from './webhook-mail';

export interface WebhookDisablingDeps {
  dataSource: DataSource;
  clock: Clock;
  audit: AuditService;
  events: EventOutbox;
  notices: Notices;
  logger: Logger;
  disableAfterDays: number;
  /** ADMIN_EMAILS, normalised: told of a global endpoint. */
  adminEmails: ReadonlySet<string>;
  productName: string;
}

const DAY_MS = 86_400_000;
const SYSTEM_META: RequestMeta = { requestId: 'webhook-worker', ip: null, userAgent: null };

/**
 * Disabling an endpoint (contract, "Disabling"): its failure clock `failing_since` is set by the first failed attempt
 * and cleared by any success (the worker, in the statement that records an attempt). An endpoint that has failed every attempt for WEBHOOK_DISABLE_AFTER_DAYS is disabled
 * (FAILING) in one transaction with its pending deliveries FAILED, the webhook_endpoint.disabled event and the audit
 * row; after COMMIT its organization's owners (a global endpoint: the ADMIN_EMAILS accounts) are mailed.
 */
export class WebhookDisabling {
  constructor(private readonly deps: WebhookDisablingDeps) {}

  /** Whether an endpoint failing since then has failed for WEBHOOK_DISABLE_AFTER_DAYS (the worker sets and clears the clock). */
  due(failingSince: Date): boolean {
    return this.deps.clock.nowMs() - new Date(failingSince).getTime() >= this.deps.disableAfterDays * DAY_MS;
  }

  /** Disables the endpoint (if still enabled and failing); mails after COMMIT. Answers whether it did. */
  async disable(endpointId: string): Promise<boolean> {
    const cutoff = new Date(this.deps.clock.nowMs() - this.deps.disableAfterDays * DAY_MS);
    const disabled = await withTransaction(this.deps.dataSource, async (em) => {
      const [rows] = (await em.query(
        `UPDATE ${tableOf(em, WebhookEndpointEntity)} SET enabled = false, disabled_reason = 'FAILING'
         WHERE id = $1 AND enabled AND failing_since <= $2 RETURNING id, organization_id, url`,
        [endpointId, cutoff],
      )) as [{ id: string; organization_id: string | null; url: string }[], number];
      const endpoint = rows?.[0];
      if (!endpoint) return null;
      await em.query(
        `UPDATE ${tableOf(em, WebhookDeliveryEntity)} SET status = 'FAILED', next_attempt_at = NULL, lease_until = NULL WHERE endpoint_id = $1 AND status = 'PENDING'`,
        [endpointId],
      );
      const data = { endpointId, organizationId: endpoint.organization_id };
      await this.deps.events.emit(em, {
        type: EventTypes.webhookEndpointDisabled,
        aggregateType: 'webhook_endpoint',
        aggregateId: endpointId,
        organizationId: endpoint.organization_id,
        data,
      });
      await this.deps.audit.record(em, {
        event: AuditEvents.webhookEndpointDisabled,
        organizationId: endpoint.organization_id,
        meta: SYSTEM_META,
        data: { ...data, url: endpoint.url, reason: 'FAILING', days: this.deps.disableAfterDays },
      });
      return endpoint;
    });
    if (!disabled) return false;
    await this.tell(disabled).catch((err: unknown) => this.deps.logger.warn({ err, endpointId }, 'webhook endpoint disabled: owners not told'));
    return true;
  }

  private async tell(endpoint: { organization_id: string | null; url: string }): Promise<void> {
    const em = this.deps.dataSource.manager;
    const users = tableOf(em, 'users');
    let recipients: { id: string; email: string }[];
    let organizationName: string | null = null;
    if (endpoint.organization_id !== null) {
      recipients = (await em.query(
        `SELECT u.id, u.email FROM ${tableOf(em, 'memberships')} m JOIN ${users} u ON u.id = m.user_id
         WHERE m.organization_id = $1 AND m.role = 'owner' AND u.email IS NOT NULL`,
        [endpoint.organization_id],
      )) as { id: string; email: string }[];
      const [org] = (await em.query(`SELECT name FROM ${tableOf(em, 'organizations')} WHERE id = $1`, [endpoint.organization_id])) as { name: string }[];
      organizationName = org?.name ?? null;
    } else {
      // The ADMIN_EMAILS addresses that are admins' (verified) accounts.
      recipients = (await em.query(`SELECT id, email FROM ${users} WHERE email = ANY($1::text[]) AND email_verified`, [[...this.deps.adminEmails]])) as {
        id: string;
        email: string;
      }[];
    }
    const mail = endpointDisabledMail(this.deps.productName, { url: endpoint.url, organizationName }, this.deps.disableAfterDays);
    for (const r of recipients) await this.deps.notices.send(r.id, { flow: 'webhook_endpoint_disabled_notice', mail, to: r.email }, SYSTEM_META);
  }
}
