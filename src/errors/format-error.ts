import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError as unwrapApollo } from '@apollo/server/errors';
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { WardenError } from './warden-error';
import { defaultMessages } from './error-codes';
import { isDataException, isDatabaseUnavailable } from '../db/db-errors';

export interface ErrorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Apollo's own codes that pass through unchanged (contract "Errors"). */
const apolloPassThrough = new Set<string>([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_FOUND,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.BAD_REQUEST,
]);

/** A resolver's error, or a WardenError a plugin threw before execution (Apollo wraps those without a path). */
function unwrapResolverError(thrown: unknown): unknown {
  const error = unwrapApollo(thrown);
  return error instanceof GraphQLError && error.originalError instanceof WardenError ? error.originalError : error;
}

/** Maps anything thrown to a contract code in one place; masks what is not expected. */
export function toWardenError(thrown: unknown): WardenError | null {
  const error = unwrapResolverError(thrown);
  if (error instanceof WardenError) return error;
  if (error instanceof AuthenticationError) return new WardenError('UNAUTHENTICATED');
  if (error instanceof AuthorizationError) return new WardenError('FORBIDDEN');
  if (isDatabaseUnavailable(error)) return WardenError.unavailable('postgres', error);
  if (isDataException(error)) return new WardenError('BAD_USER_INPUT', { message: 'That input cannot be stored.', cause: error });
  return null;
}

/** Parse/validation failures and bad variables: Apollo's own code, nothing to log. */
function isApolloPassThrough(code: unknown, thrown: unknown): boolean {
  return typeof code === 'string' && apolloPassThrough.has(code) && !(unwrapResolverError(thrown) instanceof WardenError);
}

/**
 * Logs one error a GraphQL request met, on the request's own logger (it carries the reqId): a contract
 * error at its level with its cause, anything unexpected as an error. Parse and validation failures are not
 * logged. Called from the error-log plugin (didEncounterErrors), where the request's context is known;
 * formatError itself only shapes the answer.
 */
export function logGraphQLError(logger: ErrorLogger, thrown: unknown): void {
  const code = (thrown as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  if (isApolloPassThrough(code, thrown)) return;
  const path = (thrown as { path?: unknown } | null)?.path;
  const mapped = toWardenError(thrown);
  if (mapped) {
    logger[mapped.logLevel]({ code: mapped.code, path, err: mapped.cause ?? undefined, ...mapped.extensions }, mapped.message);
    return;
  }
  logger.error({ err: unwrapResolverError(thrown), path }, 'unexpected error');
}

export function createFormatError(options: { exposeStack: boolean }) {
  return function formatError(formatted: GraphQLFormattedError, thrown: unknown): GraphQLFormattedError {
    const apolloCode = formatted.extensions?.code;
    const original = unwrapResolverError(thrown);
    if (isApolloPassThrough(apolloCode, thrown)) {
      // Parse/validation failures and bad variables. Drop stack traces and keep Apollo's code.
      return { message: formatted.message, locations: formatted.locations, extensions: { code: apolloCode } };
    }
    const mapped = toWardenError(thrown);
    if (mapped) {
      return {
        message: mapped.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: mapped.code, ...mapped.extensions },
      };
    }
    const extensions: Record<string, unknown> = { code: 'INTERNAL_SERVER_ERROR' };
    if (options.exposeStack && original instanceof Error) extensions.stacktrace = original.stack?.split('\n');
    return {
      message: options.exposeStack && original instanceof Error ? original.message : defaultMessages.INTERNAL_SERVER_ERROR,
      locations: formatted.locations,
      path: formatted.path,
      extensions,
    };
  };
}
