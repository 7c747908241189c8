import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditObservation, AuditObserver } from '../modules/audit/audit-observer';

const label = (value: unknown, fallback = 'unknown'): string => (typeof value === 'string' && value !== '' ? value : fallback);

/** Distinct operation names kept as labels; past this, further new names count as "other" (clients choose names). */
export const MAX_OPERATION_LABELS = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Prometheus metrics (prom-client), one registry per app:
 * - per GraphQL operation: requests, latency histogram, errors by contract code, rate-limit hits;
 * - auth outcomes derived from committed audit rows: sign-ins, codes sent by channel, codes failed,
 *   refresh-token reuse, and every audit event by name.
 */
export class Metrics implements AuditObserver {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'warden_graphql_requests_total',
    help: 'GraphQL operations by operation name and outcome (ok, error)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'warden_graphql_request_duration_seconds',
    help: 'GraphQL operation latency in seconds, by operation name',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'warden_graphql_errors_total',
    help: 'GraphQL errors by operation name and extensions.code',
    labelNames: ['operation', 'code'] as const,
    registers: [this.registry],
  });
  readonly rateLimitHits = new Counter({
    name: 'warden_rate_limit_hits_total',
    help: 'Operations refused with RATE_LIMITED, by operation name',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });
  readonly logins = new Counter({
    name: 'warden_logins_total',
    help: 'Sign-in outcomes. success: a session was created (method: otp_email, otp_sms, magic_link, password_reset); failure: a wrong password (method: password) or a bad magic link (method: magic_link)',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly codesSent = new Counter({
    name: 'warden_codes_sent_total',
    help: 'One-time codes actually sent (first sends and resends; decoys for unknown accounts excluded), by channel (EMAIL, SMS) and purpose',
    labelNames: ['channel', 'purpose'] as const,
    registers: [this.registry],
  });
  readonly codesFailed = new Counter({
    name: 'warden_codes_failed_total',
    help: 'Wrong one-time codes entered, by channel and purpose',
    labelNames: ['channel', 'purpose'] as const,
    registers: [this.registry],
  });
  readonly refreshReuse = new Counter({
    name: 'warden_refresh_reuse_detected_total',
    help: 'Rotated refresh tokens presented after the reuse interval (the session was revoked)',
    registers: [this.registry],
  });
  readonly hibpChecks = new Counter({
    name: 'warden_hibp_checks_total',
    help: 'Pwned Passwords checks of new passwords by outcome: clean, breached, or error (timeout, non-2xx, network; HIBP_FAILURE_MODE decided)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly authEvents = new Counter({
    name: 'warden_auth_events_total',
    help: 'Committed audit events by name (otp.sent, otp.failed, session.reuse_detected…) and outcome',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly operationLabels = new Set<string>();
  /** Label children per operation, made once (prom-client hashes label sets on every call otherwise). */
  private readonly children = new Map<string, { ok: Counter.Internal; error: Counter.Internal; duration: Histogram.Internal<'operation'> }>();

  forOperation(operation: string) {
    let entry = this.children.get(operation);
    if (!entry) {
      entry = {
        ok: this.requests.labels({ operation, outcome: 'ok' }),
        error: this.requests.labels({ operation, outcome: 'error' }),
        duration: this.duration.labels({ operation }),
      };
      this.children.set(operation, entry);
    }
    return entry;
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    // Series that dashboards alert on exist from the start, at 0, rather than appearing on the first event.
    this.refreshReuse.inc(0);
    for (const channel of ['EMAIL', 'SMS']) this.codesSent.inc({ channel, purpose: 'LOGIN' }, 0);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Called by the audit service once an audit row has committed. */
  observeAudit(record: AuditObservation): void {
    const { event, outcome } = record;
    const data = record.data ?? {};
    this.authEvents.inc({ event, outcome });
    switch (event) {
      case 'session.created':
        this.logins.inc({ method: label(data.method), outcome: 'success' });
        break;
      case 'login.password_checked':
        if (outcome === 'failure') this.logins.inc({ method: 'password', outcome: 'failure' });
        break;
      case 'magic_link.failed':
        this.logins.inc({ method: 'magic_link', outcome: 'failure' });
        break;
      case 'otp.sent':
      case 'otp.resent':
      case 'password_reset.sent':
        if (outcome === 'success') this.codesSent.inc({ channel: label(data.channel), purpose: label(data.purpose) });
        break;
      case 'otp.failed':
        this.codesFailed.inc({ channel: label(data.channel), purpose: label(data.purpose) });
        break;
      case 'session.reuse_detected':
        this.refreshReuse.inc();
        break;
    }
  }

  /** The operation label: the client's operation name while the set of names stays small, else "other". */
  operationLabel(name: string | null | undefined, kind: string | undefined): string {
    if (!name) return kind ? `anonymous_${kind}` : 'unknown';
    if (!OPERATION_NAME.test(name)) return 'other';
    if (this.operationLabels.has(name)) return name;
    if (this.operationLabels.size >= MAX_OPERATION_LABELS) return 'other';
    this.operationLabels.add(name);
    return name;
  }
}
