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

export function createFormatError(options: { logger: ErrorLogger; exposeStack: boolean }) {
  return function formatError(formatted: GraphQLFormattedError, thrown: unknown): GraphQLFormattedError {
    const apolloCode = formatted.extensions?.code;
    const original = unwrapResolverError(thrown);
    if (typeof apolloCode === 'string' && apolloPassThrough.has(apolloCode) && !(original instanceof WardenError)) {
      // Parse/validation failures and bad variables. Drop stack traces and keep Apollo's code.
      return { message: formatted.message, locations: formatted.locations, extensions: { code: apolloCode } };
    }
    const mapped = toWardenError(thrown);
    if (mapped) {
      const logObj = { code: mapped.code, path: formatted.path, err: mapped.cause ?? undefined, ...mapped.extensions };
      options.logger[mapped.logLevel](logObj, mapped.message);
      return {
        message: mapped.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: mapped.code, ...mapped.extensions },
      };
    }
    options.logger.error({ err: original, path: formatted.path }, 'unexpected error');
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
