import type { DataSource } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { tableOf } from '../../db/table-of';
import type { Clock } from '../../kernel/clock';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { RequestMeta } from '../request-meta';
import { isUuid } from '../organizations/organizations.service';
import { ulid } from '../events/ulid';
import { attemptDelivery } from './webhook-attempt';
import { WebhookDeliveryEntity, type WebhookDeliveryStatusValue } from './webhook-delivery.entity';
import type { WebhookEndpointEntity } from './webhook-endpoint.entity';
import type { EndpointActor, WebhookEndpointsService } from './webhook-endpoints.service';

export interface WebhookDeliveriesDeps {
  dataSource: DataSource;
  audit: AuditService;
  endpoints: WebhookEndpointsService;
  clock: Clock;
  timeoutSeconds: number;
  allowPrivateNetworks: boolean;
  /** Production: an http URL is refused at send time. */
  httpsOnly?: boolean;
  lookup?: import('node:net').LookupFunction;
}

export interface DeliveryPage {
  nodes: WebhookDeliveryEntity[];
  endCursor: string | null;
  hasNextPage: boolean;
}

/** The deliveries cursor: base64url of `<createdAt ms>.<id>` (newest first). */
function encodeCursor(row: WebhookDeliveryEntity): string {
  return Buffer.from(`${row.createdAt.getTime()}.${row.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const m = cursor.length <= 128 ? /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8')) : null;
  if (!m || !isUuid(m[2])) throw WardenError.badInput('after is not a cursor this list gave.', 'after');
  return { createdAt: new Date(Number(m[1])), id: m[2] };
}

const STATUSES: readonly WebhookDeliveryStatusValue[] = ['PENDING', 'SUCCEEDED', 'FAILED'];

/**
 * An endpoint's deliveries (WebhookEndpoint.deliveries, newest first), sendTestEvent (one attempt now, recorded as a
 * delivery, not in the feed) and replayDelivery (a new PENDING delivery of the same event). The caller's right to the
 * endpoint was checked by the resolver.
 */
export class WebhookDeliveriesService {
  constructor(private readonly deps: WebhookDeliveriesDeps) {}

  async find(id: string): Promise<WebhookDeliveryEntity | null> {
    if (!isUuid(id)) return null;
    return this.deps.dataSource.manager.findOne(WebhookDeliveryEntity, { where: { id } });
  }

  async page(endpointId: string, query: { status?: WebhookDeliveryStatusValue | null; first: number; after?: string | null }): Promise<DeliveryPage> {
    const { first } = query;
    if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first must be 1 to 100.', 'first');
    if (query.status && !STATUSES.includes(query.status)) throw WardenError.badInput('Unknown status.', 'status');
    const qb = this.deps.dataSource.manager
      .createQueryBuilder(WebhookDeliveryEntity, 'd')
      .where('d.endpointId = :endpointId', { endpointId })
      .orderBy('d.createdAt', 'DESC')
      .addOrderBy('d.id', 'DESC')
      .take(first + 1);
    if (query.status) qb.andWhere('d.status = :status', { status: query.status });
    if (query.after) {
      const c = decodeCursor(query.after);
      qb.andWhere('(d.createdAt, d.id) < (:createdAt, :id)', { createdAt: c.createdAt, id: c.id });
    }
    const rows = await qb.getMany();
    const nodes = rows.slice(0, first);
    const last = nodes[nodes.length - 1];
    return { nodes, endCursor: last ? encodeCursor(last) : null, hasNextPage: rows.length > first };
  }

  /** One attempt now of a webhook.test message, disabled endpoints too, no retry; recorded as a delivery. */
  async sendTest(actor: EndpointActor, endpoint: WebhookEndpointEntity, meta: RequestMeta): Promise<WebhookDeliveryEntity> {
    const nowMs = this.deps.clock.nowMs();
    const id = `evt_${ulid(nowMs)}`;
    const result = await attemptDelivery(
      endpoint.url,
      this.deps.endpoints.signingSecrets(endpoint),
      {
        id,
        type: 'webhook.test',
        timestamp: new Date(nowMs),
        sequence: 0,
        aggregateType: 'webhook_endpoint',
        aggregateId: endpoint.id,
        organizationId: endpoint.organizationId,
        data: { endpointId: endpoint.id, organizationId: endpoint.organizationId },
      },
      {
        timeoutMs: this.deps.timeoutSeconds * 1000,
        allowPrivateNetworks: this.deps.allowPrivateNetworks,
        httpsOnly: this.deps.httpsOnly,
        nowMs,
        lookup: this.deps.lookup,
      },
    );
    return withTransaction(this.deps.dataSource, async (em) => {
      const row = em.create(WebhookDeliveryEntity, {
        endpointId: endpoint.id,
        eventId: id,
        eventType: 'webhook.test',
        aggregateType: 'webhook_endpoint',
        aggregateId: endpoint.id,
        sequence: 0,
        status: result.ok ? 'SUCCEEDED' : 'FAILED',
        attempts: 1,
        lastAttemptAt: new Date(nowMs),
        nextAttemptAt: null,
        responseStatusCode: result.statusCode,
        responseBody: result.body,
        error: result.error,
        durationMs: Math.round(result.durationMs),
        leaseUntil: null,
        createdAt: new Date(nowMs),
      });
      await em.insert(WebhookDeliveryEntity, row);
      await this.deps.audit.record(em, {
        event: AuditEvents.webhookTestSent,
        userId: actor.userId,
        organizationId: endpoint.organizationId,
        meta,
        data: { endpointId: endpoint.id, deliveryId: row.id, ok: result.ok, statusCode: result.statusCode, error: result.error },
      });
      return row;
    });
  }

  /** A new PENDING delivery of the same event (same webhook-id), due now. BAD_USER_INPUT for a disabled endpoint or a deleted event. */
  async replay(actor: EndpointActor, endpoint: WebhookEndpointEntity, delivery: WebhookDeliveryEntity, meta: RequestMeta): Promise<WebhookDeliveryEntity> {
    if (!endpoint.enabled) throw WardenError.badInput('This endpoint is disabled: re-enable it first (updateWebhookEndpoint).', 'id');
    return withTransaction(this.deps.dataSource, async (em) => {
      const [event] = (await em.query(`SELECT id FROM ${tableOf(em, 'events')} WHERE id = $1 AND position IS NOT NULL`, [delivery.eventId])) as {
        id: string;
      }[];
      if (!event) throw WardenError.badInput('This event is no longer kept (EVENT_RETENTION_DAYS) or was a test message: it cannot be replayed.', 'id');
      const now = this.deps.clock.now();
      const row = em.create(WebhookDeliveryEntity, {
        endpointId: endpoint.id,
        eventId: delivery.eventId,
        eventType: delivery.eventType,
        aggregateType: delivery.aggregateType,
        aggregateId: delivery.aggregateId,
        sequence: delivery.sequence,
        status: 'PENDING',
        attempts: 0,
        lastAttemptAt: null,
        nextAttemptAt: now,
        responseStatusCode: null,
        responseBody: null,
        error: null,
        durationMs: null,
        leaseUntil: null,
        createdAt: now,
      });
      await em.insert(WebhookDeliveryEntity, row);
      await this.deps.audit.record(em, {
        event: AuditEvents.webhookDeliveryReplayed,
        userId: actor.userId,
        organizationId: endpoint.organizationId,
        meta,
        data: { endpointId: endpoint.id, deliveryId: row.id, replayedFromId: delivery.id, eventId: delivery.eventId },
      });
      return row;
    });
  }
}
