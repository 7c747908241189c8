import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The outbox and the feed in one table. A module writes the row in its change's transaction (EventOutbox.emit);
 * `position` (the feed order) and `sequence` (1, 2, 3… per aggregate) stay null until the relay stamps the row
 * after it committed (event-relay.ts). Only stamped rows are in the feed.
 */
@Entity({ name: 'events' })
@Index('events_unstamped_idx', ['seq'], { where: '"position" IS NULL' })
@Index('events_position_key', ['position'], { unique: true, where: '"position" IS NOT NULL' })
@Index('events_organization_position_idx', ['organizationId', 'position'], { where: '"position" IS NOT NULL' })
export class EventEntity {
  /** evt_ + ULID; also the webhook-id header. */
  @PrimaryColumn('text')
  id: string;

  /** Insertion order (an identity column): the relay stamps committed rows in this order. */
  @Column({ type: 'bigint', insert: false, update: false, select: false })
  seq?: string;

  @Column('text')
  type: string;

  @Column('text')
  aggregateType: string;

  @Column('text')
  aggregateId: string;

  @Column('uuid', { nullable: true })
  organizationId: string | null;

  @Column('jsonb')
  data: object;

  @Column('timestamptz')
  occurredAt: Date;

  /** Not stamped before (NewEvent.holdMs; normally occurredAt). */
  @Column('timestamptz')
  availableAt: Date;

  @Column('bigint', { nullable: true })
  position: string | null;

  @Column('integer', { nullable: true })
  sequence: number | null;
}

/**
 * The last sequence given per aggregate (so a sequence never restarts when retention deletes old events), and the
 * feed head: the row with aggregate type and id '' holds the last position given.
 */
@Entity({ name: 'event_aggregates' })
export class EventAggregateEntity {
  @PrimaryColumn('text')
  aggregateType: string;

  @PrimaryColumn('text')
  aggregateId: string;

  @Column('bigint')
  lastSequence: string;

  @Column('text')
  lastType: string;

  @Column('timestamptz')
  lastEventAt: Date;
}
