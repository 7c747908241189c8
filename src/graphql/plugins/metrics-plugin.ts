import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../context';
import type { Metrics } from '../../metrics/metrics';

/** The Apollo side of the metrics: per-operation requests, latency, errors by code, rate-limit hits. */
export function metricsPlugin(metrics: Metrics): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(ctx) {
          const operation = metrics.operationLabel(ctx.operationName, ctx.operation?.operation);
          const errors = ctx.errors ?? [];
          const body = ctx.response.body;
          const resultErrors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
          const codes = [...errors.map((e) => e.extensions?.code), ...resultErrors.map((e) => e.extensions?.code)].filter(
            (c): c is string => typeof c === 'string',
          );
          for (const code of new Set(codes)) metrics.errors.inc({ operation, code });
          if (codes.includes('RATE_LIMITED')) metrics.rateLimitHits.inc({ operation });
          const child = metrics.forOperation(operation);
          (codes.length ? child.error : child.ok).inc();
          child.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}
