import type { DataSource } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { tableOf } from '../../db/table-of';
import type { Clock } from '../../kernel/clock';
import { EventEntity } from './event.entity';
import { EventTypes } from './outbox';

export interface FeedEvent {
  id: string;
  type: string;
  occurredAt: Date;
  aggregateType: string;
  aggregateId: string;
  sequence: number;
  organizationId: string | null;
  data: Record<string, unknown>;
}

export interface FeedPage {
  nodes: FeedEvent[];
  endCursor: string | null;
  hasNextPage: boolean;
}

export interface FeedQuery {
  /** null: every event (the caller was checked as an admin). */
  organizationId: string | null;
  types?: readonly string[] | null;
  after?: string | null;
  first: number;
}

const DAY_MS = 86_400_000;

/** Every event type, sorted (Query.eventTypes). */
export function eventTypes(): string[] {
  return [...new Set(Object.values(EventTypes) as string[])].sort();
}

/** The cursor: base64url of `<position>.<occurredAt ms>` (the time tells an expired cursor without a lookup). */
export function encodeFeedCursor(position: number, occurredAtMs: number): string {
  return Buffer.from(`${position}.${occurredAtMs}`).toString('base64url');
}

function decodeFeedCursor(cursor: string): { position: number; occurredAtMs: number } {
  const m = /^(\d{1,15})\.(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || cursor.length > 64) throw WardenError.badInput('after is not a cursor this feed gave.', 'after');
  return { position: Number(m[1]), occurredAtMs: Number(m[2]) };
}

function cursorExpired(): WardenError {
  return new WardenError('BAD_USER_INPUT', {
    message: 'This cursor is older than the event retention: read from the start (after: null) to resynchronise.',
    extensions: { field: 'after', reason: 'CURSOR_EXPIRED' },
  });
}

/**
 * The pull feed (Query.events): stamped events, oldest first by feed position, replayable from any cursor within
 * EVENT_RETENTION_DAYS. The scope (an organization, or every event for an admin) is decided by the resolver and
 * applied here in SQL on every page.
 */
export class EventFeed {
  constructor(private readonly deps: { dataSource: DataSource; clock: Clock; retentionDays: number }) {}

  async page(query: FeedQuery): Promise<FeedPage> {
    const { first } = query;
    if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first must be 1 to 100.', 'first');
    const known = new Set(eventTypes());
    const types = query.types ?? null;
    if (types) {
      const unknown = types.find((t) => !known.has(t));
      if (unknown !== undefined) throw WardenError.badInput(`Unknown event type: ${unknown} (see eventTypes).`, 'types');
    }
    const em = this.deps.dataSource.manager;
    const table = tableOf(em, EventEntity);
    let after = 0;
    if (query.after !== null && query.after !== undefined) {
      const cursor = decodeFeedCursor(query.after);
      if (cursor.occurredAtMs < this.deps.clock.nowMs() - this.deps.retentionDays * DAY_MS) throw cursorExpired();
      // Rows after the cursor already deleted (retention ran past it): the reader would miss them.
      const [{ min }] = (await em.query(`SELECT min(position) AS min FROM ${table} WHERE position IS NOT NULL`)) as { min: string | null }[];
      if (min !== null && Number(min) > cursor.position + 1) throw cursorExpired();
      after = cursor.position;
    }
    const params: unknown[] = [after, first + 1];
    let where = 'position IS NOT NULL AND position > $1';
    if (query.organizationId !== null) {
      params.push(query.organizationId);
      where += ` AND organization_id = $${params.length}::uuid`;
    }
    if (types && types.length > 0) {
      params.push(types);
      where += ` AND type = ANY($${params.length}::text[])`;
    }
    const rows = (await em.query(
      `SELECT id, type, occurred_at, aggregate_type, aggregate_id, sequence, organization_id, data, position
       FROM ${table} WHERE ${where} ORDER BY position LIMIT $2`,
      params,
    )) as {
      id: string;
      type: string;
      occurred_at: Date;
      aggregate_type: string;
      aggregate_id: string;
      sequence: number;
      organization_id: string | null;
      data: Record<string, unknown>;
      position: string;
    }[];
    const page = rows.slice(0, first);
    const last = page[page.length - 1];
    return {
      nodes: page.map((r) => ({
        id: r.id,
        type: r.type,
        occurredAt: r.occurred_at,
        aggregateType: r.aggregate_type,
        aggregateId: r.aggregate_id,
        sequence: r.sequence,
        organizationId: r.organization_id,
        data: r.data,
      })),
      endCursor: last ? encodeFeedCursor(Number(last.position), last.occurred_at.getTime()) : (query.after ?? null),
      hasNextPage: rows.length > first,
    };
  }
}
