/**
 * The declarative half of a module descriptor (src/modules/module.ts): what a capability adds to the tables
 * every other part reads: audit event names, per-IP rate-limit names, limit variables, code purposes, error
 * codes and input bounds. Each capability writes them once, in src/modules/<cap>/<cap>.declarations.ts, as an
 * `as const` object; src/modules/declarations.ts lists those objects and derives the closed unions
 * (AuditEventName, FieldLimitName, OtpPurpose, ErrorCode, Limits, Settings) from them. Pure data (a setting's
 * `parse` is a plain function of its text), no imports: the config, the errors and every service can import it
 * without a dependency cycle.
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

/** What a setting's `parse` is told besides the text. */
export interface SettingContext {
  /** NODE_ENV=production. */
  isProduction: boolean;
}

/**
 * One non-numeric environment variable (a list, an enum, a URL, a flag…), parsed by the module's own `parse`
 * into `config.settings.<key>`. `default` is the text used when the variable is unset or blank (null: `parse`
 * gets undefined), shown in docs/configuration.md and .env.example. `parse` throws an Error whose message is the
 * one-line refusal without the variable's name (loadConfig writes `NAME: message`, collected with every other
 * problem); it must not read the environment or anything else.
 */
export interface SettingDeclaration<T = unknown> {
  env: string;
  default: string | null;
  doc: string;
  /** true: NODE_ENV=production refuses to start when the variable is unset (`NAME: required when NODE_ENV=production`). */
  requiredInProduction?: boolean;
  parse(raw: string | undefined, ctx: SettingContext): T;
}

/** The parsed values of a `settings` object: `config.settings` of one module (what each `parse` returns). */
export type SettingValues<S> = { readonly [K in keyof S]: S[K] extends { parse(...args: never[]): infer T } ? T : never };

/** One contract error code (../shared/CONTRACT.md "Errors"): its default message and the level it is logged at. */
export interface ErrorCodeDeclaration {
  message: string;
  logLevel: LogLevel;
}

/** The mail that carries a code of one purpose (src/mail/templates/templates.ts codeMail; the subject names the code). */
export interface MailDeclaration {
  /** The heading of the mail and the first line of its text. */
  title: string;
}

/** An HTTP route a capability serves next to /graphql (its handler is registered by the descriptor's `routes`). */
export interface RouteDeclaration {
  /** HEAD is implied by GET (Fastify answers it from the GET handler). */
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** Fastify's path syntax (`:param`, `*`). */
  path: string;
  /** One line for docs/api.md. */
  doc: string;
}

/**
 * Which per-IP rule a rate limit counts against: `default` is RATE_LIMIT_IP_PER_MINUTE; `session-upkeep`
 * (refresh, logout: far more frequent per IP than sign-in, e.g. an office behind one NAT) is
 * RATE_LIMIT_IP_SESSION_PER_MINUTE.
 */
export type RateLimitRule = 'default' | 'session-upkeep';

export interface ModuleDeclarations {
  /** Audit event names (noun.past_verb), by the key services use (`AuditEvents.otpSent`). */
  auditEvents?: Readonly<Record<string, string>>;
  /** The per-IP limits its mutations' @RateLimit decorators name (`<module>.<operation>`), each with the rule it counts against. */
  rateLimits?: Readonly<Record<string, RateLimitRule>>;
  /** Its limit variables, keyed by the camelCase name services read (`config.limits.otpTtlSeconds`). */
  limits?: Readonly<Record<string, LimitDeclaration>>;
  /** Its non-numeric variables, keyed by the camelCase name services read (`config.settings.orgExtraPermissions`). */
  settings?: Readonly<Record<string, SettingDeclaration>>;
  /** The OTP purposes (GraphQL enum OtpPurpose) its challenges are opened for; handlers are registered by the module. */
  codePurposes?: readonly string[];
  /** The contract error codes it throws that belong to no other capability. */
  errorCodes?: Readonly<Record<string, ErrorCodeDeclaration>>;
  /** Longest raw string per argument or input field name (src/graphql/input-guard.ts), for names only it uses. */
  inputBounds?: Readonly<Record<string, number>>;
  /** The mail for each of its `codePurposes` that is sent by mail, by purpose (a purpose with no mail entry is never mailed). */
  mail?: Readonly<Record<string, MailDeclaration>>;
  /** The HTTP routes its descriptor's `routes` register (test/flows/http-routes.test.ts checks both agree). */
  httpRoutes?: readonly RouteDeclaration[];
  /** The event types (contract, "Events and webhooks") it emits through kernel.events, by the key services use (`EventTypes.userCreated`). */
  events?: Readonly<Record<string, string>>;
}

/**
 * A module as the tables see it: its name and its declarations. Every WardenModule descriptor is one (it spreads
 * its declarations object), and so is each entry of src/modules/declarations.ts `moduleDeclarationList`; the
 * config, the generated docs and the error codes take a list of them (default: the product's).
 */
export interface DeclaringModule extends ModuleDeclarations {
  readonly name: string;
}
