/**
 * The declarative half of a module descriptor (src/modules/module.ts): what a capability adds to the tables
 * every other part reads: audit event names, per-IP rate-limit names, limit variables, code purposes, error
 * codes and input bounds. Each capability writes them once, in src/modules/<cap>/<cap>.declarations.ts, as an
 * `as const` object; src/modules/declarations.ts lists those objects and derives the closed unions
 * (AuditEventName, FieldLimitName, OtpPurpose, ErrorCode, Limits) from them. Pure data, no imports: the
 * config, the errors and every service can import it without a dependency cycle.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One numeric environment variable: parsed as a whole number in [min, max]; `doc` goes to docs/configuration.md. */
export interface LimitDeclaration {
  env: string;
  default: number;
  min: number;
  max: number;
  doc: string;
}

/** One contract error code (../shared/CONTRACT.md "Errors"): its default message and the level it is logged at. */
export interface ErrorCodeDeclaration {
  message: string;
  logLevel: LogLevel;
}

export interface ModuleDeclarations {
  /** Audit event names (noun.past_verb), by the key services use (`AuditEvents.otpSent`). */
  auditEvents?: Readonly<Record<string, string>>;
  /** Names of the per-IP limits its mutations' @RateLimit decorators give (`<module>.<operation>`). */
  rateLimits?: readonly string[];
  /** Its limit variables, keyed by the camelCase name services read (`config.limits.otpTtlSeconds`). */
  limits?: Readonly<Record<string, LimitDeclaration>>;
  /** The OTP purposes (GraphQL enum OtpPurpose) its challenges are opened for; handlers are registered by the module. */
  codePurposes?: readonly string[];
  /** The contract error codes it throws that belong to no other capability. */
  errorCodes?: Readonly<Record<string, ErrorCodeDeclaration>>;
  /** Longest raw string per argument or input field name (src/graphql/input-guard.ts), for names only it uses. */
  inputBounds?: Readonly<Record<string, number>>;
}
