import { IsNull, type EntityManager } from 'typeorm';
import { declaredEventTypes, type EventTypeName } from '../declarations';
import type { Clock } from '../../kernel/clock';
import { EventEntity } from './event.entity';
import { tableOf } from '../../db/table-of';
import { ulid } from './ulid';

/**
 * Event types (contract, "Events and webhooks"), by key: `EventTypes.userCreated` is 'user.created'. Each type is
 * declared once, in the `events` of the capability that emits it (src/modules/<cap>/<cap>.declarations.ts); this is
 * their merge, and EventTypeName the closed union of their values, so an undeclared type does not compile.
 */
export const EventTypes = declaredEventTypes;
export type { EventTypeName };

export type AggregateType = 'user' | 'organization' | 'webhook_endpoint';

/** One event, as a module emits it. */
export interface NewEvent {
  type: EventTypeName;
  aggregateType: AggregateType;
  aggregateId: string;
  /** Set on organization-aggregate events (and an org key's or org endpoint's): who may read it in the feed. */
  organizationId?: string | null;
  /** The contract's data for the type; never a secret. */
  data: Record<string, unknown>;
  /**
   * Not stamped into the feed before this many ms (nor any later event of its aggregate): for a change that may
   * still be undone by a later transaction of the same flow (a signup whose code mail is refused deletes the new
   * account, and discardPending drops its event). Default 0.
   */
  holdMs?: number;
}

/** The user as events carry it (contract: U). */
export interface EventUser {
  id: string;
  email: string | null;
  emailVerified: boolean;
  phone: string | null;
  phoneVerified: boolean;
  name: string | null;
  createdAt: Date;
}

/** U = {id, email, emailVerified, phone, phoneVerified, name, createdAt} of a user row (any shape carrying them). */
export function eventUser(user: EventUser): EventUser {
  return {
    id: user.id,
    email: user.email,
    emailVerified: user.emailVerified,
    phone: user.phone,
    phoneVerified: user.phoneVerified,
    name: user.name,
    createdAt: user.createdAt,
  };
}

/** An event row as written (before the relay stamps it). */
export interface EventRow {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  organizationId: string | null;
  data: object;
  occurredAt: Date;
  availableAt: Date;
}

/**
 * The transactional outbox (kernel.events): a module writes its events with the EntityManager of the transaction
 * that makes the change, so they commit or roll back with it. Nothing is sent from here: the relay (event-relay.ts)
 * stamps committed rows into the feed.
 */
export class EventOutbox {
  constructor(private readonly clock: Clock) {}

  /** The row of one event (id evt_ + ULID, occurredAt now), for a hot path that writes it in its own statement. */
  row(event: NewEvent): EventRow {
    const ms = this.clock.nowMs();
    return {
      id: `evt_${ulid(ms)}`,
      type: event.type,
      aggregateType: event.aggregateType,
      aggregateId: event.aggregateId,
      organizationId: event.organizationId ?? null,
      data: JSON.parse(JSON.stringify(event.data)) as object,
      occurredAt: new Date(ms),
      availableAt: new Date(ms + (event.holdMs ?? 0)),
    };
  }

  /** Writes the events in `em`'s transaction (in one INSERT); the relay gives them their feed position after COMMIT. */
  async emit(em: EntityManager, ...events: NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    await em.insert(
      EventEntity,
      events.map((e) => this.row(e)),
    );
  }

  /** Ends the hold of the aggregate's events not yet stamped (the change can no longer be undone), in `em`'s transaction. */
  async release(em: EntityManager, aggregateType: AggregateType, aggregateId: string): Promise<void> {
    await em.query(
      `UPDATE ${tableOf(em, EventEntity)} SET available_at = occurred_at WHERE aggregate_type = $1 AND aggregate_id = $2 AND position IS NULL AND available_at > occurred_at`,
      [aggregateType, aggregateId],
    );
  }

  /** Drops the aggregate's events not yet stamped (held ones), in `em`'s transaction: the change they told of is undone. */
  async discardPending(em: EntityManager, aggregateType: AggregateType, aggregateId: string): Promise<void> {
    await em.delete(EventEntity, { aggregateType, aggregateId, position: IsNull() });
  }
}
