import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { Context } from '../context';
import { logGraphQLError } from '../../errors/format-error';

/**
 * Every error a GraphQL request met, logged on that request's logger (Fastify's child logger: the line
 * carries the reqId the client got back in x-request-id). Explicit, not through an AsyncLocalStorage:
 * on Node.js 20 one costs a hook on every promise of the process (docs/performance.md).
 */
export function errorLogPlugin(fallback: Logger): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors(ctx) {
          const log = ctx.contextValue?.log ?? fallback;
          for (const error of ctx.errors) logGraphQLError(log, error);
        },
      };
    },
  };
}
