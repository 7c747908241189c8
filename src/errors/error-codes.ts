import type { ErrorCodeDeclaration, LogLevel } from '../modules/declaration-types';
import { declaredEntries, declaredErrorCodes, type ModuleErrorCode } from '../modules/declarations';

export type { LogLevel };

/**
 * The contract's error codes (../shared/CONTRACT.md "Errors") that belong to no one capability. A capability's
 * own codes are in the `errorCodes` of its declarations (src/modules/<cap>/<cap>.declarations.ts).
 */
export const coreErrorCodes = {
  BAD_USER_INPUT: { message: 'The input is not valid.', logLevel: 'info' },
  INVALID_TOKEN: { message: 'The token is invalid or has expired.', logLevel: 'info' },
  UNAUTHENTICATED: { message: 'The access token is invalid or has expired.', logLevel: 'info' },
  FORBIDDEN: { message: 'You are not allowed to do this.', logLevel: 'info' },
  SERVICE_UNAVAILABLE: { message: 'The service is temporarily unavailable. Try again shortly.', logLevel: 'error' },
  INTERNAL_SERVER_ERROR: { message: 'Internal server error.', logLevel: 'error' },
} as const satisfies Record<string, ErrorCodeDeclaration>;

/** Every error code: the core ones and every capability's, nothing else. */
export type ErrorCode = keyof typeof coreErrorCodes | ModuleErrorCode;

/** Each code with its default message, log level and owner ('core' or the module that declares it). */
export const errorCodeTable: readonly (ErrorCodeDeclaration & { code: ErrorCode; module: string })[] = Object.freeze([
  ...Object.entries(coreErrorCodes).map(([code, d]) => ({ code: code as ErrorCode, module: 'core', ...d })),
  ...declaredEntries.errorCodes.map((e) => ({ code: e.key as ErrorCode, module: e.module, ...e.value })),
]);

const all: Readonly<Record<ErrorCode, ErrorCodeDeclaration>> = { ...coreErrorCodes, ...declaredErrorCodes };

export const errorCodes = Object.freeze(errorCodeTable.map((e) => e.code));

export const errorLogLevels = Object.freeze(Object.fromEntries(errorCodeTable.map((e) => [e.code, all[e.code].logLevel]))) as Readonly<
  Record<ErrorCode, LogLevel>
>;

export const defaultMessages = Object.freeze(Object.fromEntries(errorCodeTable.map((e) => [e.code, all[e.code].message]))) as Readonly<
  Record<ErrorCode, string>
>;
