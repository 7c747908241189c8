import { backgroundPollers } from '../../kernel/background';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { withTransaction } from '../../db/transaction';
import { tableOf } from '../../db/table-of';
import type { Clock } from '../../kernel/clock';
import { EventAggregateEntity, EventEntity } from './event.entity';

/** pg_try_advisory_xact_lock key of the relay: one instance stamps at a time, across gateways. */
export const RELAY_LOCK_KEY = 727_100_027;
/** Rows stamped per transaction. */
const BATCH = 500;
/** The feed head's row in event_aggregates. */
const HEAD = { type: '', id: '' };

export interface EventRelayDeps {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  /** Told, in the stamping transaction, of the events just stamped (webhook deliveries are queued there). */
  onStamped?: (em: EntityManager, events: readonly StampedEvent[]) => Promise<void>;
  /** After the COMMIT of a stamping transaction that stamped at least one event (a local delivery worker looks now). */
  afterStamped?: () => void;
}

export interface StampedEvent {
  id: string;
  type: string;
  aggregateType: string;
  aggregateId: string;
  organizationId: string | null;
  position: number;
  sequence: number;
}

interface Unstamped {
  id: string;
  type: string;
  aggregate_type: string;
  aggregate_id: string;
  organization_id: string | null;
}

/**
 * After COMMIT, gives each committed event its feed position (gap-free, in stamping order) and its sequence (the
 * aggregate's last + 1), every OUTBOX_POLL_INTERVAL_MS. One instance at a time: a transaction-scoped advisory lock,
 * so a killed instance's lock goes with its connection. Positions are given in the order the relay sees rows
 * committed, so a reader polling with a cursor never misses a row that commits late.
 */
export class EventRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private closed = false;
  private paused = false;
  private readonly unregister: () => void;

  constructor(private readonly deps: EventRelayDeps) {
    this.unregister = backgroundPollers.register(this);
  }

  start(): void {
    if (this.timer || this.closed || this.paused) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.stampAll()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'event relay failed'))
        .finally(() => (this.running = null));
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a pass in flight (backgroundPollers). */
  async pause(): Promise<void> {
    this.paused = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.start();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unregister();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Stamps batches until none is left (or another instance holds the lock); returns how many were stamped. */
  async stampAll(): Promise<number> {
    let total = 0;
    while (!this.closed) {
      const n = await this.stampBatch();
      total += n;
      if (n > 0) this.deps.afterStamped?.();
      if (n < BATCH) break;
    }
    return total;
  }

  /** One transaction: the lock, up to BATCH unstamped rows, their positions and sequences. */
  stampBatch(): Promise<number> {
    return withTransaction(this.deps.dataSource, async (em) => {
      const [{ locked }] = (await em.query('SELECT pg_try_advisory_xact_lock($1::bigint) AS locked', [RELAY_LOCK_KEY])) as { locked: boolean }[];
      if (!locked) return 0;
      const events = tableOf(em, EventEntity);
      const aggregates = tableOf(em, EventAggregateEntity);
      // Held rows wait, and so does every later row of their aggregate (its sequence keeps the order of the changes).
      const rows = (await em.query(
        `SELECT e.id, e.type, e.aggregate_type, e.aggregate_id, e.organization_id FROM ${events} e
         WHERE e.position IS NULL AND e.available_at <= $2 AND NOT EXISTS (
           SELECT 1 FROM ${events} h WHERE h.position IS NULL AND h.available_at > $2 AND h.aggregate_type = e.aggregate_type
             AND h.aggregate_id = e.aggregate_id AND h.seq < e.seq)
         ORDER BY e.seq LIMIT $1`,
        [BATCH, this.deps.clock.now()],
      )) as Unstamped[];
      if (rows.length === 0) return 0;
      const keys = [...new Map(rows.map((r) => [`${r.aggregate_type}\u0000${r.aggregate_id}`, r])).values()];
      const known = (await em.query(
        `SELECT aggregate_type, aggregate_id, last_sequence FROM ${aggregates}
         WHERE (aggregate_type, aggregate_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [
          [HEAD.type, ...keys.map((k) => k.aggregate_type)],
          [HEAD.id, ...keys.map((k) => k.aggregate_id)],
        ],
      )) as { aggregate_type: string; aggregate_id: string; last_sequence: string }[];
      const last = new Map(known.map((k) => [`${k.aggregate_type}\u0000${k.aggregate_id}`, Number(k.last_sequence)]));
      let position = last.get(`${HEAD.type}\u0000${HEAD.id}`) ?? 0;
      const stamped: (StampedEvent & { key: string })[] = [];
      for (const r of rows) {
        const key = `${r.aggregate_type}\u0000${r.aggregate_id}`;
        const sequence = (last.get(key) ?? 0) + 1;
        last.set(key, sequence);
        position += 1;
        stamped.push({
          id: r.id,
          type: r.type,
          aggregateType: r.aggregate_type,
          aggregateId: r.aggregate_id,
          organizationId: r.organization_id,
          position,
          sequence,
          key,
        });
      }
      await em.query(
        `UPDATE ${events} e SET position = v.position, sequence = v.sequence
         FROM unnest($1::text[], $2::bigint[], $3::int[]) AS v(id, position, sequence) WHERE e.id = v.id`,
        [stamped.map((s) => s.id), stamped.map((s) => s.position), stamped.map((s) => s.sequence)],
      );
      // The last type per aggregate (retention keeps the counter of a live aggregate) and the head.
      const lastOf = new Map<string, { type: string; sequence: number }>();
      for (const s of stamped) lastOf.set(s.key, { type: s.type, sequence: s.sequence });
      const upserts = [...lastOf.entries()].map(([key, v]) => ({ key: key.split('\u0000'), ...v }));
      upserts.push({ key: [HEAD.type, HEAD.id], type: '', sequence: position });
      await em.query(
        `INSERT INTO ${aggregates} (aggregate_type, aggregate_id, last_sequence, last_type, last_event_at)
         SELECT t, i, s, y, $5 FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS v(t, i, s, y)
         ON CONFLICT (aggregate_type, aggregate_id) DO UPDATE SET last_sequence = excluded.last_sequence, last_type = excluded.last_type,
           last_event_at = excluded.last_event_at`,
        [upserts.map((u) => u.key[0]), upserts.map((u) => u.key[1]), upserts.map((u) => u.sequence), upserts.map((u) => u.type), this.deps.clock.now()],
      );
      await this.deps.onStamped?.(em, stamped);
      return rows.length;
    });
  }
}
