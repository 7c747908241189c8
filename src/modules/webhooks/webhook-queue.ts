import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import type { Clock } from '../../kernel/clock';
import type { StampedEvent } from '../events/event-relay';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

/**
 * The relay's eventsStamped hook: in the stamping transaction, one PENDING delivery per enabled endpoint that takes
 * the event, due now. An organization's endpoint takes exactly the events with its organizationId; a global one every
 * event; eventTypes [] means every type. A rolled-back stamping queues nothing (same transaction).
 * The endpoints are read FOR SHARE: a disabling (or an edit) committing meanwhile waits for this transaction, or this
 * one waits for it and sees the endpoint disabled. So no delivery is queued on an endpoint once it is disabled, and
 * none queued before escapes the disabling's "pending deliveries FAILED".
 */
export class WebhookQueue {
  constructor(private readonly clock: Clock) {}

  async queue(em: EntityManager, events: readonly StampedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const organizationIds = [...new Set(events.map((e) => e.organizationId).filter((id): id is string => id !== null))];
    const endpoints = (await em.query(
      `SELECT id, organization_id, event_types FROM ${tableOf(em, WebhookEndpointEntity)}
       WHERE enabled AND (organization_id IS NULL OR organization_id = ANY($1::uuid[])) ORDER BY id FOR SHARE`,
      [organizationIds],
    )) as { id: string; organization_id: string | null; event_types: string[] }[];
    if (endpoints.length === 0) return;
    const rows: { endpointId: string; event: StampedEvent }[] = [];
    for (const event of events) {
      for (const endpoint of endpoints) {
        if (endpoint.organization_id !== null && endpoint.organization_id !== event.organizationId) continue;
        if (endpoint.event_types.length > 0 && !endpoint.event_types.includes(event.type)) continue;
        rows.push({ endpointId: endpoint.id, event });
      }
    }
    if (rows.length === 0) return;
    const now = this.clock.now();
    await em.query(
      `INSERT INTO ${tableOf(em, WebhookDeliveryEntity)}
         (endpoint_id, event_id, event_type, aggregate_type, aggregate_id, sequence, status, attempts, next_attempt_at, created_at)
       SELECT e, i, t, a, g, s, 'PENDING', 0, $7, $7
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[]) AS v(e, i, t, a, g, s)`,
      [
        rows.map((r) => r.endpointId),
        rows.map((r) => r.event.id),
        rows.map((r) => r.event.type),
        rows.map((r) => r.event.aggregateType),
        rows.map((r) => r.event.aggregateId),
        rows.map((r) => r.event.sequence),
        now,
      ],
    );
  }
}
