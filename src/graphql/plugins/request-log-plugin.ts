import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { Context } from '../context';

/**
 * One line per GraphQL operation: its name and type, the contract codes it answered with and how long
 * it took, on the request's logger (so with its reqId). Never the document's variables. Nothing at all,
 * not even a hook, while `info` is off (LOG_LEVEL=warn or quieter).
 */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      if (!logger.isLevelEnabled('info')) return;
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(ctx) {
          const body = ctx.response.body;
          const errors = [...(ctx.errors ?? []), ...(body.kind === 'single' ? (body.singleResult.errors ?? []) : [])];
          const codes = [...new Set(errors.map((e) => e.extensions?.code).filter((c): c is string => typeof c === 'string'))];
          (ctx.contextValue?.log ?? logger).info(
            {
              operationName: ctx.operationName ?? null,
              operation: ctx.operation?.operation ?? null,
              codes,
              durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
