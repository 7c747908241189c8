import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type WebhookDeliveryStatusValue = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/**
 * One event to one endpoint (contract, "Events and webhooks"), queued PENDING by the relay's stamping transaction
 * (webhook-queue.ts) and sent by the worker (webhook-worker.ts), which claims due rows with FOR UPDATE SKIP LOCKED and
 * a lease (`leaseUntil`): a killed gateway's claim is taken again by another once the lease passes. The body is built
 * from the event row at each attempt. The foreign key (ON DELETE CASCADE to webhook_endpoints) is in the migration.
 */
@Index('IDX_webhook_deliveries_due', ['nextAttemptAt'], { where: `"status" = 'PENDING'` })
@Index('IDX_webhook_deliveries_endpoint_due', ['endpointId', 'nextAttemptAt', 'createdAt'], { where: `"status" = 'PENDING'` })
@Index('IDX_webhook_deliveries_pending_aggregate', ['endpointId', 'aggregateType', 'aggregateId', 'sequence'], { where: `"status" = 'PENDING'` })
@Index('IDX_webhook_deliveries_endpoint_created', ['endpointId', 'createdAt', 'id'])
@Index('IDX_webhook_deliveries_created_at', ['createdAt'])
@Entity({ name: 'webhook_deliveries' })
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid')
  endpointId: string;

  /** The event id (evt_…), also the webhook-id header. */
  @Column('text')
  eventId: string;

  @Column('text')
  eventType: string;

  @Column('text')
  aggregateType: string;

  @Column('text')
  aggregateId: string;

  /** The event's sequence in its aggregate (0 for a webhook.test message). */
  @Column('integer')
  sequence: number;

  @Column('text')
  status: WebhookDeliveryStatusValue;

  @Column('integer', { default: 0 })
  attempts: number;

  @Column('timestamptz', { nullable: true })
  lastAttemptAt: Date | null;

  /** When the next attempt is due; null once SUCCEEDED or FAILED. */
  @Column('timestamptz', { nullable: true })
  nextAttemptAt: Date | null;

  @Column('integer', { nullable: true })
  responseStatusCode: number | null;

  /** The first 1024 bytes of the last response body, as UTF-8. */
  @Column('text', { nullable: true })
  responseBody: string | null;

  /** timeout, connection_failed, tls_failed, blocked_address, redirect or http_status. */
  @Column('text', { nullable: true })
  error: string | null;

  @Column('integer', { nullable: true })
  durationMs: number | null;

  /** A worker's claim: no other takes the row before this time. */
  @Column('timestamptz', { nullable: true })
  leaseUntil: Date | null;

  @Column('timestamptz')
  createdAt: Date;
}
