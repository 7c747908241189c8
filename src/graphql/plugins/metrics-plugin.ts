import type { ApolloServerPlugin } from '@apollo/server';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Context } from '../context';

interface OperationMetrics {
  ok: Counter.Internal;
  error: Counter.Internal;
  duration: Histogram.Internal<'operation'>;
}

/** Prometheus metrics: per-operation requests and latency, error codes, and auth outcomes. */
export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'warden_graphql_requests_total',
    help: 'GraphQL operations by name and outcome',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'warden_graphql_request_duration_seconds',
    help: 'GraphQL operation latency',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly errors = new Counter({
    name: 'warden_graphql_errors_total',
    help: 'GraphQL errors by contract code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly authEvents = new Counter({
    name: 'warden_auth_events_total',
    help: 'Auth outcomes by audit event (otp.sent, otp.failed, session.reuse_detected…)',
    labelNames: ['event', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Operation names come from clients: past this many distinct ones, the rest count as "other" (bounded memory). */
  static readonly maxOperationNames = 200;
  private readonly children = new Map<string, OperationMetrics>();

  /** Label children per operation, made once (prom-client hashes label sets on every call otherwise). */
  private forOperation(name: string): OperationMetrics {
    let entry = this.children.get(name);
    if (!entry) {
      if (this.children.size >= Metrics.maxOperationNames) return this.forOperation('other');
      entry = {
        ok: this.requests.labels({ operation: name, outcome: 'ok' }),
        error: this.requests.labels({ operation: name, outcome: 'error' }),
        duration: this.duration.labels({ operation: name }),
      };
      this.children.set(name, entry);
    }
    return entry;
  }

  plugin(): ApolloServerPlugin<Context> {
    const metrics = this;
    return {
      async requestDidStart() {
        const started = process.hrtime.bigint();
        return {
          async willSendResponse(ctx) {
            const operation = ctx.operationName ?? ctx.operation?.operation ?? 'unknown';
            const errors = ctx.errors ?? [];
            const body = ctx.response.body;
            const resultErrors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
            const child = metrics.forOperation(operation);
            if (errors.length === 0 && resultErrors.length === 0) {
              child.ok.inc();
            } else {
              const codes = [...errors.map((e) => e.extensions?.code), ...resultErrors.map((e) => e.extensions?.code)].filter(
                (c): c is string => typeof c === 'string',
              );
              for (const code of new Set(codes)) metrics.errors.inc({ code });
              (codes.length ? child.error : child.ok).inc();
            }
            child.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
          },
        };
      },
    };
  }
}
