import type { DeclaringModule, ErrorCodeDeclaration, LogLevel } from '../modules/declaration-types';
import { declaredEntriesOf, declaredErrorCodes, moduleDeclarationList, type ModuleErrorCode } from '../modules/declarations';

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

export type ErrorCodeEntry = ErrorCodeDeclaration & { code: ErrorCode; module: string };

/** Each code of `modules` (default: the product's) and the core ones, with its default message, log level and owner. */
export function errorCodeTableOf(modules: readonly DeclaringModule[] = moduleDeclarationList): readonly ErrorCodeEntry[] {
  return Object.freeze([
    ...Object.entries(coreErrorCodes).map(([code, d]) => ({ code: code as ErrorCode, module: 'core', ...d })),
    ...declaredEntriesOf(modules).errorCodes.map((e) => ({ code: e.key as ErrorCode, module: e.module, ...e.value })),
  ]);
}

/** Each code with its default message, log level and owner ('core' or the module that declares it). */
export const errorCodeTable: readonly ErrorCodeEntry[] = errorCodeTableOf();

const all: Readonly<Record<ErrorCode, ErrorCodeDeclaration>> = { ...coreErrorCodes, ...declaredErrorCodes };

export const errorCodes = Object.freeze(errorCodeTable.map((e) => e.code));

export const errorLogLevels = Object.freeze(Object.fromEntries(errorCodeTable.map((e) => [e.code, all[e.code].logLevel]))) as Readonly<
  Record<ErrorCode, LogLevel>
>;

export const defaultMessages = Object.freeze(Object.fromEntries(errorCodeTable.map((e) => [e.code, all[e.code].message]))) as Readonly<
  Record<ErrorCode, string>
>;

/**
 * The codes of modules composed beside the product's list (createServices adds those of the list it builds):
 * WardenError is thrown anywhere, so the codes it knows are one table per process. A product module's code is
 * already there; a code another module already declares fails at start, naming both.
 */
const addedCodes = new Map<string, ErrorCodeDeclaration & { module: string }>();
const owners = new Map<string, string>(errorCodeTable.map((e) => [e.code, e.module]));

export function addErrorCodes(modules: readonly DeclaringModule[]): void {
  for (const e of declaredEntriesOf(modules).errorCodes) {
    const owner = owners.get(e.key) ?? addedCodes.get(e.key)?.module;
    if (owner === e.module) continue;
    if (owner) throw new Error(`error code ${e.key} is declared by module ${owner} and by module ${e.module}`);
    addedCodes.set(e.key, { module: e.module, ...e.value });
  }
}

/** The message and log level of a code: the product's, or one a composed module added (addErrorCodes). */
export function errorCodeDeclaration(code: ErrorCode): ErrorCodeDeclaration {
  return all[code] ?? addedCodes.get(code) ?? all.INTERNAL_SERVER_ERROR;
}
