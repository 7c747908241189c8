import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { backgroundPollers } from '../../kernel/background';
import { tableOf } from '../../db/table-of';
import type { Clock } from '../../kernel/clock';
import type { WebhookAttemptResult } from './transport/send';
import { attemptDelivery, nextDelayMs, type WebhookMessage } from './webhook-attempt';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import type { WebhookEndpointsService } from './webhook-endpoints.service';
import type { WebhookDisabling } from './webhook-disabling';

export interface WebhookWorkerDeps {
  dataSource: DataSource;
  clock: Clock;
  logger: Logger;
  endpoints: WebhookEndpointsService;
  disabling: WebhookDisabling;
  intervalMs: number;
  timeoutSeconds: number;
  retrySchedule: readonly number[];
  allowPrivateNetworks: boolean;
  /** Production: an http URL is refused at send time. */
  httpsOnly?: boolean;
  /** Deliveries in flight per instance. */
  concurrency?: number;
  lookup?: import('node:net').LookupFunction;
}

/** A lease lasts the attempt's timeout plus this margin: a live worker always records before another may take the row. */
const LEASE_MARGIN_MS = 30_000;
const DEFAULT_CONCURRENCY = 32;
/**
 * At most this many deliveries of one endpoint hold a live lease at once (counted in the claim statement), so a few
 * slow receivers cannot take every place of every gateway (an eighth of an instance's 32 each), while one busy
 * endpoint still gets several sends at once (the bench's 200 events/s to one endpoint needs more than 2). Two gateways claiming at the same instant may each take up
 * to this many (the count is read, not locked): a bound per claim, not a global lock.
 */
export const PER_ENDPOINT_IN_FLIGHT = 4;

interface RecordOutcome {
  recorded: number;
  failing_since: Date | null;
  enabled: boolean | null;
}

interface Claimed {
  id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  lease_until: Date;
  url: string;
  organization_id: string | null;
  secret: string;
  previous_secret: string | null;
  previous_secret_until: Date | null;
  /** The event's columns (null when retention deleted it). */
  type: string | null;
  occurred_at: Date | null;
  sequence: number | null;
  aggregate_type: string | null;
  aggregate_id: string | null;
  event_organization_id: string | null;
  data: Record<string, unknown> | null;
}

/**
 * The delivery worker (every OUTBOX_POLL_INTERVAL_MS, and at once when the local relay stamped): claims due PENDING
 * deliveries across gateways in one statement (FOR UPDATE SKIP LOCKED and a lease, atomic on its own), sends (never
 * inside a transaction), then records the result where the lease is still its own. Per endpoint and aggregate, a
 * delivery waits while one of an earlier sequence is PENDING (per-aggregate order). At most `concurrency` in flight,
 * and at most PER_ENDPOINT_IN_FLIGHT per endpoint.
 */
export class WebhookWorker {
  private timer: NodeJS.Timeout | null = null;
  private claiming: Promise<unknown> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private paused = false;
  private again = false;
  private readonly unregister: () => void;

  constructor(private readonly deps: WebhookWorkerDeps) {
    this.unregister = backgroundPollers.register(this);
  }

  private get concurrency(): number {
    return this.deps.concurrency ?? DEFAULT_CONCURRENCY;
  }

  start(): void {
    if (this.timer || this.closed || this.paused) return;
    this.timer = setInterval(() => this.kick(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** Looks for due deliveries now (the relay just stamped, or a send finished with more waiting). */
  kick(): void {
    if (this.closed || this.paused) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.fill()
      .catch((err: unknown) => this.deps.logger.error({ err }, 'webhook worker failed'))
      .finally(() => {
        this.claiming = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  async pause(): Promise<void> {
    this.paused = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.claiming;
    await Promise.all([...this.inFlight]);
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
    await this.claiming;
    await Promise.all([...this.inFlight]);
  }

  /** Claims up to the free places and starts their sends; answers how many were claimed. */
  async fill(): Promise<number> {
    const free = this.concurrency - this.inFlight.size;
    if (free <= 0) return 0;
    const claimed = await this.claim(free);
    for (const row of claimed) {
      const run: Promise<void> = this.deliver(row)
        .catch((err: unknown) => this.deps.logger.error({ err, deliveryId: row.id }, 'webhook delivery failed to record'))
        .finally(() => {
          this.inFlight.delete(run);
          // A place is free, and the next of this aggregate may be due now: look again (kicks coalesce).
          this.kick();
        });
      this.inFlight.add(run);
    }
    return claimed.length;
  }

  /**
   * One statement (atomic without a transaction): per enabled endpoint, its oldest due rows up to PER_ENDPOINT_IN_FLIGHT
   * less those it has leased (one index probe per endpoint: a long backlog on one endpoint costs nothing more), then
   * the oldest due of those first, FOR UPDATE SKIP LOCKED, set their lease, and answer them with
   * their endpoint and their event (one round trip per claim, however many rows).
   */
  private async claim(limit: number): Promise<Claimed[]> {
    const now = this.deps.clock.now();
    const lease = new Date(now.getTime() + this.deps.timeoutSeconds * 1000 + LEASE_MARGIN_MS);
    const em = this.deps.dataSource.manager;
    const d = tableOf(em, WebhookDeliveryEntity);
    const e = tableOf(em, WebhookEndpointEntity);
    return (await em.query(
      `WITH live AS (
         SELECT endpoint_id, count(*)::int AS n FROM ${d} WHERE status = 'PENDING' AND lease_until > $1 GROUP BY endpoint_id),
       ranked AS (
         SELECT c.id, c.next_attempt_at, c.created_at,
           row_number() OVER (PARTITION BY e.id ORDER BY c.next_attempt_at, c.created_at) + COALESCE(l.n, 0) AS place
         FROM ${e} e LEFT JOIN live l ON l.endpoint_id = e.id
         CROSS JOIN LATERAL (
           SELECT d.id, d.next_attempt_at, d.created_at FROM ${d} d
           WHERE d.endpoint_id = e.id AND d.status = 'PENDING' AND d.next_attempt_at <= $1 AND (d.lease_until IS NULL OR d.lease_until <= $1)
             AND NOT EXISTS (SELECT 1 FROM ${d} p WHERE p.endpoint_id = d.endpoint_id AND p.aggregate_type = d.aggregate_type
               AND p.aggregate_id = d.aggregate_id AND p.status = 'PENDING' AND p.sequence < d.sequence)
           ORDER BY d.next_attempt_at, d.created_at LIMIT GREATEST($4 - COALESCE(l.n, 0), 0)) c
         WHERE e.enabled),
       due AS (
         SELECT d.id FROM ${d} d JOIN ranked r ON r.id = d.id
         WHERE r.place <= $4 AND d.status = 'PENDING' AND (d.lease_until IS NULL OR d.lease_until <= $1)
         ORDER BY r.next_attempt_at, r.created_at LIMIT $2 FOR UPDATE OF d SKIP LOCKED),
       claimed AS (
         UPDATE ${d} d SET lease_until = $3 FROM due, ${e} e WHERE d.id = due.id AND e.id = d.endpoint_id
         RETURNING d.id, d.endpoint_id, d.event_id, d.attempts, d.lease_until, e.url, e.organization_id, e.secret, e.previous_secret, e.previous_secret_until)
       SELECT c.*, ev.type, ev.occurred_at, ev.sequence, ev.aggregate_type, ev.aggregate_id, ev.organization_id AS event_organization_id, ev.data
       FROM claimed c LEFT JOIN ${tableOf(em, 'events')} ev ON ev.id = c.event_id`,
      [now, limit, lease, PER_ENDPOINT_IN_FLIGHT],
    )) as Claimed[];
  }

  private async deliver(row: Claimed): Promise<void> {
    if (row.type === null) {
      // Retention deleted the event before it could be sent: nothing left to deliver.
      const em = this.deps.dataSource.manager;
      await em.query(
        `UPDATE ${tableOf(em, WebhookDeliveryEntity)} SET status = 'FAILED', next_attempt_at = NULL, lease_until = NULL WHERE id = $1 AND lease_until = $2`,
        [row.id, row.lease_until],
      );
      return;
    }
    const message: WebhookMessage = {
      id: row.event_id,
      type: row.type,
      timestamp: row.occurred_at!,
      sequence: row.sequence!,
      aggregateType: row.aggregate_type!,
      aggregateId: row.aggregate_id!,
      organizationId: row.event_organization_id,
      data: row.data ?? {},
    };
    const secrets = this.deps.endpoints.signingSecrets({
      id: row.endpoint_id,
      secret: row.secret,
      previousSecret: row.previous_secret,
      previousSecretUntil: row.previous_secret_until,
    });
    if (secrets.length === 0) {
      // Sealed under a WARDEN_SECRET no longer configured (rotated without WARDEN_SECRET_PREVIOUS): nothing can sign.
      this.deps.logger.warn({ endpointId: row.endpoint_id }, 'webhook endpoint secret does not open: rotate it (rotateWebhookSecret)');
    }
    const result = await attemptDelivery(row.url, secrets, message, {
      timeoutMs: this.deps.timeoutSeconds * 1000,
      allowPrivateNetworks: this.deps.allowPrivateNetworks,
      httpsOnly: this.deps.httpsOnly,
      nowMs: this.deps.clock.nowMs(),
      lookup: this.deps.lookup,
    });
    await this.record(row, result);
  }

  /**
   * The attempt's result, where the lease is still this worker's, and the endpoint's failure clock (set by the first
   * failure, cleared by a success), in one statement; then disabling when the clock has run WEBHOOK_DISABLE_AFTER_DAYS.
   */
  private async record(row: Claimed, result: WebhookAttemptResult): Promise<void> {
    const now = this.deps.clock.now();
    const attempts = row.attempts + 1;
    const delay = result.ok ? null : nextDelayMs(this.deps.retrySchedule, attempts);
    const status = result.ok ? 'SUCCEEDED' : delay === null ? 'FAILED' : 'PENDING';
    const next = delay === null ? null : new Date(now.getTime() + delay);
    const values = [
      row.id,
      row.lease_until,
      status,
      attempts,
      now,
      next,
      result.statusCode,
      result.body,
      result.error,
      Math.round(result.durationMs),
      result.ok,
    ];
    let outcome: RecordOutcome | undefined;
    try {
      outcome = await this.recordStatement(values);
    } catch (err) {
      // The result could not be stored (a body PostgreSQL refuses, ...): record the attempt without the body, so the
      // attempt still counts, the schedule and the failure clock still advance and the row never stays PENDING at 0.
      this.deps.logger.warn({ err, deliveryId: row.id }, 'webhook attempt recorded without its response body');
      values[7] = null;
      outcome = await this.recordStatement(values);
    }
    // recorded 0: the lease passed and another worker took the row (its result stands).
    if (!outcome || outcome.recorded === 0 || result.ok || !outcome.enabled || !outcome.failing_since) return;
    if (this.deps.disabling.due(outcome.failing_since)) await this.deps.disabling.disable(row.endpoint_id);
  }

  /** The attempt and the endpoint's failure clock in one statement ($1 id, $2 lease, ... $8 body, ... $11 ok). */
  private async recordStatement(values: unknown[]): Promise<RecordOutcome | undefined> {
    const em = this.deps.dataSource.manager;
    const [outcome] = (await em.query(
      `WITH recorded AS (
         UPDATE ${tableOf(em, WebhookDeliveryEntity)} SET status = $3, attempts = $4, last_attempt_at = $5, next_attempt_at = $6,
           response_status_code = $7, response_body = $8, error = $9, duration_ms = $10, lease_until = NULL
         WHERE id = $1 AND lease_until = $2 RETURNING endpoint_id),
       clock AS (
         UPDATE ${tableOf(em, WebhookEndpointEntity)} x SET failing_since = CASE WHEN $11::boolean THEN NULL ELSE COALESCE(x.failing_since, $5) END
         FROM recorded r WHERE x.id = r.endpoint_id AND (NOT $11::boolean OR x.failing_since IS NOT NULL)
         RETURNING x.failing_since, x.enabled)
       SELECT (SELECT count(*) FROM recorded)::int AS recorded, (SELECT failing_since FROM clock) AS failing_since,
         (SELECT enabled FROM clock) AS enabled`,
      values,
    )) as RecordOutcome[];
    return outcome;
  }
}
