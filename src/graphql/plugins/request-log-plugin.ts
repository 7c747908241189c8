import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { Context } from '../context';

/**
 * One line per GraphQL operation: its name and type, the contract codes it answered with and how long
 * it took. The request id comes with it (logContext). Never the document's variables.
 */
export function requestLogPlugin(logger: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      const started = process.hrtime.bigint();
      return {
        async willSendResponse(ctx) {
          const body = ctx.response.body;
          const errors = [...(ctx.errors ?? []), ...(body.kind === 'single' ? (body.singleResult.errors ?? []) : [])];
          const codes = [...new Set(errors.map((e) => e.extensions?.code).filter((c): c is string => typeof c === 'string'))];
          logger.info(
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
