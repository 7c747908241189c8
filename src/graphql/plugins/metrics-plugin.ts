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
          const child = metrics.forOperation(operation);
          const body = ctx.response.body;
          const resultErrors = body.kind === 'single' ? body.singleResult.errors : undefined;
          // Most answers carry no error: nothing to collect.
          const codes = ctx.errors?.length || resultErrors?.length ? errorCodes(ctx.errors ?? [], resultErrors ?? []) : NO_CODES;
          for (const code of codes) metrics.errors.inc({ operation, code });
          if (codes.has('RATE_LIMITED')) metrics.rateLimitHits.inc({ operation });
          (codes.size ? child.error : child.ok).inc();
          child.duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
        },
      };
    },
  };
}

const NO_CODES: ReadonlySet<string> = new Set();

function errorCodes(
  errors: readonly { extensions?: Record<string, unknown> }[],
  resultErrors: readonly { extensions?: Record<string, unknown> }[],
): Set<string> {
  const codes = new Set<string>();
  for (const e of [...errors, ...resultErrors]) if (typeof e.extensions?.code === 'string') codes.add(e.extensions.code);
  return codes;
}
