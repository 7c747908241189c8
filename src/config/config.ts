import { createPrivateKey } from 'node:crypto';
import { z } from 'zod';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { limitTableOf, type Limits } from './limits';
import { crossLimitRules, limitSchemaOf } from './limit-bounds';
import type { DeclaringModule } from '../modules/declaration-types';
import { moduleDeclarationList } from '../modules/declarations';
import { OAuthConfigError, parseOAuthProviders, type OAuthProviderConfig } from './oauth-providers';
import { parseSettings, type Settings } from './settings';
import { coreVariables, type CoreVariableName, type VariableDeclaration } from './variables';

export type NodeEnv = 'development' | 'production' | 'test';

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  from: string;
  apiBaseUrl: string | null;
}

export interface Config {
  nodeEnv: NodeEnv;
  isProduction: boolean;
  port: number;
  host: string;
  publicUrl: string;
  /** ACCESS_TOKEN_AUDIENCE: the aud claim of access tokens (checked on verification); default publicUrl. */
  accessTokenAudience: string;
  /** REAUTH_MAX_AGE_SECONDS (contract): how recent "recent authentication" is; 5 to 86400, default 900. */
  reauthMaxAgeSeconds: number;
  appUrl: string;
  redirectAllowlist: readonly string[];
  /** CORS_ORIGINS: the origins allowed to call /graphql with credentials (default APP_URL); not REDIRECT_ALLOWLIST. */
  corsOrigins: readonly string[];
  /** Passkeys: WEBAUTHN_RP_ID (default the host of APP_URL) and WEBAUTHN_ORIGINS (default the origin of APP_URL). */
  webauthn: Readonly<WebAuthnConfig>;
  /** null: embedded PostgreSQL (PGlite) in dataDir. */
  databaseUrl: string | null;
  databaseSchema: string | null;
  databasePoolSize: number;
  /** DATABASE_STATEMENT_TIMEOUT_MS */
  databaseStatementTimeoutMs: number;
  /** DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS */
  databaseIdleInTransactionTimeoutMs: number;
  /** MAIL_SEND_TIMEOUT_MS */
  mailSendTimeoutMs: number;
  /** null: in-process key-value store (unless redisClusterNodes is set). */
  redisUrl: string | null;
  /** REDIS_CLUSTER_NODES: seed nodes of a Redis Cluster; REDIS_URL then only lends credentials and TLS. */
  redisClusterNodes: readonly { host: string; port: number }[] | null;
  redisKeyPrefix: string;
  /** PEM or JWK strings; the first signs. null: generated into dataDir (development only). */
  jwtPrivateKeys: readonly string[] | null;
  /** HMAC key for codes and tokens at rest. null: generated into dataDir (development only). */
  secretKey: string | null;
  /** WARDEN_SECRET_PREVIOUS: the secret before the last rotation; what was sealed or hashed under it still opens and matches. */
  previousSecretKey: string | null;
  smtpUrl: string | null;
  mailFrom: string;
  twilio: TwilioConfig | null;
  trustProxy: number;
  /** ISO 3166 alpha-2 codes that texts may go to; null: every country (SMS_ALLOWED_COUNTRIES unset). */
  smsAllowedCountries: readonly string[] | null;
  /** CAPTCHA_* (docs/bot-defences.md); the thresholds and timeouts are in limits. */
  captcha: Readonly<CaptchaConfig>;
  dataDir: string;
  logLevel: string;
  productName: string;
  magicLinkPath: string;
  passwordResetPath: string;
  /** null: /metrics is open to whoever reaches the port (outside production: in production it is then not served). */
  metricsToken: string | null;
  /** METRICS_PORT: /metrics on its own port (same HOST) instead of the API port. */
  metricsPort: number | null;
  /** ALLOW_LOOPBACK_URLS=true: production accepts localhost PUBLIC_URL/APP_URL (a warning at start). */
  allowLoopbackUrls: boolean;
  /** TRANSACTION_GUARD (src/db/transaction.ts): sends and nested transactions inside a transaction fail at once. Default: on outside production. */
  transactionGuard: boolean;
  /** FEDERATION_ENABLED (docs/federation.md): serve /graphql as an Apollo Federation 2 subgraph. */
  federationEnabled: boolean;
  /** FEDERATION_ROUTER_SECRET: when set, `_service` and `_entities` answer only requests whose x-router-secret header carries it. */
  federationRouterSecret: string | null;
  /** OAUTH_GOOGLE_*, OAUTH_GITHUB_*, OAUTH_OIDC_<ID>_* (docs/oauth.md); empty: no provider sign-in. */
  oauthProviders: readonly OAuthProviderConfig[];
  limits: Readonly<Limits>;
  /** Every module's non-numeric variables (the `settings` of its declarations), as each one's `parse` returns them. */
  settings: Readonly<Settings>;
  maintenance: Readonly<MaintenanceConfig>;
}

export type CaptchaProvider = 'none' | 'altcha' | 'turnstile' | 'hcaptcha';

export interface CaptchaConfig {
  /** CAPTCHA_PROVIDER */
  provider: CaptchaProvider;
  /** CAPTCHA_SITE_KEY (turnstile, hcaptcha) */
  siteKey: string | null;
  /** CAPTCHA_SECRET_KEY (turnstile, hcaptcha) */
  secretKey: string | null;
  /** CAPTCHA_VERIFY_URL, else the provider's siteverify URL; null for none and altcha. */
  verifyUrl: string | null;
}

const captchaVerifyUrls: Readonly<Record<CaptchaProvider, string | null>> = {
  none: null,
  altcha: null,
  turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  hcaptcha: 'https://api.hcaptcha.com/siteverify',
};

export interface WebAuthnConfig {
  rpId: string;
  origins: readonly string[];
}

/** Retention sweeps (docs/retention.md). Every period has a floor so a typo cannot wipe live data. */
export interface MaintenanceConfig {
  /** MAINTENANCE_ENABLED: false leaves every table to grow (run the sweeps elsewhere). */
  enabled: boolean;
  /** MAINTENANCE_INTERVAL_SECONDS: pause between two runs (±10% jitter). */
  intervalSeconds: number;
  /** MAINTENANCE_BATCH_SIZE: rows deleted per statement (per transaction for accounts). */
  batchSize: number;
  /** MAINTENANCE_MAX_ROWS_PER_RUN: rows one job deletes per run at most; the rest waits for the next run. */
  maxRowsPerRun: number;
  /** CODE_RETENTION_HOURS: expired or used codes, sign-in links and reset tokens are kept this long after. */
  codeRetentionHours: number;
  /** REFRESH_ROTATED_RETENTION_SECONDS: rotated refresh tokens are kept this long (never less than REFRESH_REUSE_INTERVAL). */
  rotatedRefreshTokenRetentionSeconds: number;
  /** SESSION_RETENTION_DAYS: revoked or expired sessions (and their refresh tokens) are kept this long after they end. */
  sessionRetentionDays: number;
  /** AUDIT_RETENTION_DAYS */
  auditRetentionDays: number;
  /** UNVERIFIED_ACCOUNT_TTL_DAYS: accounts with no verified email or phone are deleted this long after signup. */
  unverifiedAccountTtlDays: number;
}

/**
 * Every problem with the environment, one line each (`NAME: what is wrong`): loadConfig checks every variable
 * before it throws, so one start names everything to fix. The message is the lines joined by newlines.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly string[];

  constructor(problems: string | readonly string[]) {
    const list = typeof problems === 'string' ? [problems] : [...problems];
    super(list.join('\n'));
    this.problems = Object.freeze(list);
  }
}

const coreByName = new Map<string, VariableDeclaration>(coreVariables.map((v) => [v.env, v]));

function declared(name: CoreVariableName): VariableDeclaration {
  return coreByName.get(name)!;
}

/** The default of a core variable with a text default (src/config/variables.ts). */
function def(name: CoreVariableName): string {
  return String(declared(name).default);
}

function numberSchema(name: CoreVariableName) {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = declared(name);
  return z
    .string()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
}

/** A core numeric variable: a whole number within the bounds and with the default its declaration gives. */
const wholeNumber = (name: CoreVariableName) => numberSchema(name).default(Number(declared(name).default));
/** The same, for a numeric variable with no default (unset: off). */
const optionalWholeNumber = (name: CoreVariableName) => numberSchema(name).optional();

const url = (name: string) =>
  z.string().refine((v) => {
    try {
      new URL(v);
      return true;
    } catch {
      return false;
    }
  }, `${name} must be an absolute URL`);

const optional = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** How each core variable (src/config/variables.ts) is parsed; config.test.ts checks the two name the same variables. */
export const baseSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default(def('NODE_ENV') as NodeEnv),
  PORT: wholeNumber('PORT'),
  HOST: z.string().default(def('HOST')),
  PUBLIC_URL: url('PUBLIC_URL').optional(),
  ACCESS_TOKEN_AUDIENCE: z.string().min(1).max(200).optional(),
  REAUTH_MAX_AGE_SECONDS: wholeNumber('REAUTH_MAX_AGE_SECONDS'),
  APP_URL: url('APP_URL').default(def('APP_URL')),
  REDIRECT_ALLOWLIST: z.string().optional(),
  CORS_ORIGINS: z.string().optional(),
  WEBAUTHN_RP_ID: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'WEBAUTHN_RP_ID must be a lower-case host name (no scheme, port or path)')
    .max(253)
    .optional(),
  WEBAUTHN_ORIGINS: z.string().optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
    .optional(),
  DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, 'DATABASE_SCHEMA must be a plain identifier')
    .optional(),
  DATABASE_POOL_SIZE: wholeNumber('DATABASE_POOL_SIZE'),
  /** PostgreSQL statement_timeout on every pooled connection. */
  DATABASE_STATEMENT_TIMEOUT_MS: wholeNumber('DATABASE_STATEMENT_TIMEOUT_MS'),
  /** PostgreSQL idle_in_transaction_session_timeout: the server ends a transaction left idle this long. */
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: wholeNumber('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'REDIS_URL must start with redis:// or rediss://')
    .optional(),
  REDIS_CLUSTER_NODES: z
    .string()
    .regex(/^\s*[^\s,:]+:\d+\s*(,\s*[^\s,:]+:\d+\s*)*$/, 'REDIS_CLUSTER_NODES must be host:port,host:port…')
    .optional(),
  REDIS_KEY_PREFIX: z.string().default(def('REDIS_KEY_PREFIX')),
  JWT_PRIVATE_KEY: z.string().optional(),
  WARDEN_SECRET: z.string().min(32, 'WARDEN_SECRET must be at least 32 characters').optional(),
  WARDEN_SECRET_PREVIOUS: z.string().min(32, 'WARDEN_SECRET_PREVIOUS must be at least 32 characters').optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().default(def('MAIL_FROM')),
  /** Longest wait on the SMTP server for one mail (connect, greeting, each reply). */
  MAIL_SEND_TIMEOUT_MS: wholeNumber('MAIL_SEND_TIMEOUT_MS'),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  TWILIO_API_BASE_URL: url('TWILIO_API_BASE_URL').optional(),
  TRUST_PROXY: wholeNumber('TRUST_PROXY'),
  SMS_ALLOWED_COUNTRIES: z.string().optional(),
  CAPTCHA_PROVIDER: z
    .enum(['none', 'altcha', 'turnstile', 'hcaptcha'], 'CAPTCHA_PROVIDER must be none, altcha, turnstile or hcaptcha')
    .default(def('CAPTCHA_PROVIDER') as 'none'),
  CAPTCHA_SITE_KEY: z.string().max(512).optional(),
  CAPTCHA_SECRET_KEY: z.string().max(512).optional(),
  CAPTCHA_VERIFY_URL: url('CAPTCHA_VERIFY_URL').optional(),
  DATA_DIR: z.string().default(def('DATA_DIR')),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  PRODUCT_NAME: z.string().min(1).max(60).default(def('PRODUCT_NAME')),
  MAGIC_LINK_PATH: z.string().startsWith('/', 'MAGIC_LINK_PATH must start with /').default(def('MAGIC_LINK_PATH')),
  PASSWORD_RESET_PATH: z.string().startsWith('/', 'PASSWORD_RESET_PATH must start with /').default(def('PASSWORD_RESET_PATH')),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  MAINTENANCE_ENABLED: z.enum(['true', 'false'], { message: 'MAINTENANCE_ENABLED must be true or false' }).default(def('MAINTENANCE_ENABLED') as 'true'),
  MAINTENANCE_INTERVAL_SECONDS: wholeNumber('MAINTENANCE_INTERVAL_SECONDS'),
  MAINTENANCE_BATCH_SIZE: wholeNumber('MAINTENANCE_BATCH_SIZE'),
  MAINTENANCE_MAX_ROWS_PER_RUN: wholeNumber('MAINTENANCE_MAX_ROWS_PER_RUN'),
  CODE_RETENTION_HOURS: wholeNumber('CODE_RETENTION_HOURS'),
  REFRESH_ROTATED_RETENTION_SECONDS: wholeNumber('REFRESH_ROTATED_RETENTION_SECONDS'),
  SESSION_RETENTION_DAYS: wholeNumber('SESSION_RETENTION_DAYS'),
  AUDIT_RETENTION_DAYS: wholeNumber('AUDIT_RETENTION_DAYS'),
  UNVERIFIED_ACCOUNT_TTL_DAYS: wholeNumber('UNVERIFIED_ACCOUNT_TTL_DAYS'),
  METRICS_PORT: optionalWholeNumber('METRICS_PORT'),
  ALLOW_LOOPBACK_URLS: z.enum(['true', 'false'], 'ALLOW_LOOPBACK_URLS must be true or false').default(def('ALLOW_LOOPBACK_URLS') as 'false'),
  FEDERATION_ENABLED: z.enum(['true', 'false'], 'FEDERATION_ENABLED must be true or false').default(def('FEDERATION_ENABLED') as 'false'),
  TRANSACTION_GUARD: z.enum(['true', 'false'], 'TRANSACTION_GUARD must be true or false').optional(),
  FEDERATION_ROUTER_SECRET: z.string().min(16, 'FEDERATION_ROUTER_SECRET must be at least 16 characters').max(512).optional(),
});

/** localhost, *.localhost, 127.0.0.0/8, ::1 (and IPv4-mapped 127/8): URLs only this machine can open. */
export function isLoopbackUrl(value: string): boolean {
  let host: string;
  try {
    host = new URL(value).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  const v6 = host.replace(/^\[|\]$/g, '');
  if (v6 === '::1' || v6 === '0:0:0:0:0:0:0:1') return true;
  return /^::ffff:(127\.|7f[0-9a-f]{2}:)/.test(v6);
}

/** Splits JWT_PRIVATE_KEY into its keys: several PEM blocks, a JSON JWK, a JSON array of JWKs or a JWK Set. */
export function splitPrivateKeys(raw: string): string[] {
  const text = raw.trim();
  if (text.startsWith('{') || text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new ConfigError('JWT_PRIVATE_KEY: not valid JSON');
    }
    const list = Array.isArray(parsed)
      ? parsed
      : parsed && typeof parsed === 'object' && Array.isArray((parsed as { keys?: unknown }).keys)
        ? (parsed as { keys: unknown[] }).keys
        : [parsed];
    return list.map((k) => JSON.stringify(k));
  }
  const pems = text.replace(/\\n/g, '\n').match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/g);
  if (!pems) throw new ConfigError('JWT_PRIVATE_KEY: expected a PEM private key or a JWK');
  return pems;
}

/**
 * Each key must be one SigningKeys can sign with (Ed25519 → EdDSA, P-256 → ES256): an RSA or P-384 key is named
 * here, with the other problems, not at start after the migrations. The message never holds the key.
 */
export function checkSigningKeyKinds(keys: readonly string[]): void {
  keys.forEach((material, i) => {
    const which = keys.length > 1 ? `key ${i + 1} ` : '';
    let kind: string;
    try {
      const text = material.trim();
      const key = text.startsWith('{') ? createPrivateKey({ key: JSON.parse(text), format: 'jwk' }) : createPrivateKey({ key: text, format: 'pem' });
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (key.asymmetricKeyType === 'ed25519' || (key.asymmetricKeyType === 'ec' && curve === 'prime256v1')) return;
      kind = key.asymmetricKeyType === 'ec' ? `an EC key on ${curve ?? 'an unknown curve'}` : `an ${String(key.asymmetricKeyType).toUpperCase()} key`;
    } catch {
      throw new ConfigError(`JWT_PRIVATE_KEY: ${which}is not a private key that can be read (use Ed25519 or P-256)`);
    }
    throw new ConfigError(`JWT_PRIVATE_KEY: ${which}is ${kind}; unsupported (use Ed25519 or P-256)`);
  });
}

/** SMS_ALLOWED_COUNTRIES: comma-separated ISO 3166 alpha-2 codes ("GB,IE,FR"); unset: every country. */
export function parseCountries(raw: string | undefined): readonly string[] | null {
  if (raw === undefined) return null;
  const codes = raw
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (codes.length === 0) return null;
  for (const code of codes) {
    if (!isSupportedCountry(code)) throw new ConfigError(`SMS_ALLOWED_COUNTRIES: "${code}" is not an ISO 3166 alpha-2 country code with phone numbers`);
  }
  return Object.freeze([...new Set(codes)]);
}

function origin(value: string, name: string): string {
  try {
    return new URL(value).origin;
  } catch {
    throw new ConfigError(`${name}: "${value}" is not a URL`);
  }
}

/** The origin of an http(s) URL: CORS compares the Origin header, which is always one. */
function httpOrigin(value: string, name: string): string {
  const result = origin(value, name);
  if (!/^https?:\/\//.test(result)) throw new ConfigError(`${name}: "${value}" is not an http(s) origin`);
  return result;
}

/** A comma-separated list of origins (blanks skipped), each validated by `parse` under the variable's name. */
function originList(raw: string, name: string, parse: (value: string, name: string) => string = origin): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parse(s, name));
}

function oauthProviders(env: Record<string, string | undefined>, isProduction: boolean, allowLoopbackUrls: boolean): readonly OAuthProviderConfig[] {
  try {
    return parseOAuthProviders(env, { isProduction, allowLoopbackUrls, isLoopbackUrl });
  } catch (error) {
    if (error instanceof OAuthConfigError) throw new ConfigError(error.message);
    throw error;
  }
}

type BaseEnv = z.infer<typeof baseSchema>;

/**
 * Each core variable on its own: a bad value is one problem line and the variable falls back to its default
 * (or unset), so the checks after it still run and report theirs.
 */
function parseCoreVariables(cleaned: Record<string, string | undefined>, problems: string[]): BaseEnv {
  const values: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(baseSchema.shape) as [string, z.ZodType][]) {
    const result = schema.safeParse(cleaned[key]);
    if (result.success) {
      values[key] = result.data;
      continue;
    }
    problems.push(`${key}: ${result.error.issues[0]!.message}`);
    values[key] = schema.safeParse(undefined).data;
  }
  return values as BaseEnv;
}

/** Runs one check; a ConfigError it throws becomes problem lines and `fallback` its value. */
function check<T>(problems: string[], fallback: T, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
    return fallback;
  }
}

/**
 * Reads and validates configuration once. The only reader of process.env in Warden. Every variable is
 * checked before anything is refused: the ConfigError lists every problem, one line each. The limits and the
 * settings are those of `modules` (default: the product's, src/modules/declarations.ts; a WardenModule list works as well, e.g.
 * `[...wardenModules, helloModule]`).
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  modules: readonly DeclaringModule[] = moduleDeclarationList,
): Readonly<Config> {
  const problems: string[] = [];
  const cleaned: Record<string, string | undefined> = {};
  for (const key of Object.keys(baseSchema.shape)) cleaned[key] = optional(env[key]);
  const e = parseCoreVariables(cleaned, problems);

  const limits = {} as Limits;
  for (const limit of limitTableOf(modules)) {
    limits[limit.key] = limit.default;
    const raw = optional(env[limit.env]);
    if (raw === undefined) continue;
    const result = limitSchemaOf(limit).safeParse(raw);
    if (!result.success) problems.push(result.error.issues[0]!.message);
    else limits[limit.key] = result.data;
  }
  for (const rule of crossLimitRules) {
    const refusal = rule(limits);
    if (refusal) problems.push(refusal);
  }
  const smsAllowedCountries = check(problems, null, () => parseCountries(e.SMS_ALLOWED_COUNTRIES));

  const twilioSet = [e.TWILIO_ACCOUNT_SID, e.TWILIO_AUTH_TOKEN, e.TWILIO_FROM].filter(Boolean).length;
  if (twilioSet > 0 && twilioSet < 3) {
    for (const k of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM']) {
      if (!cleaned[k]) problems.push(`${k}: required when any Twilio setting is given`);
    }
  }

  if (e.WARDEN_SECRET_PREVIOUS && !e.WARDEN_SECRET) problems.push('WARDEN_SECRET_PREVIOUS: set only beside WARDEN_SECRET (the new secret)');
  if (e.WARDEN_SECRET_PREVIOUS && e.WARDEN_SECRET_PREVIOUS === e.WARDEN_SECRET) {
    problems.push('WARDEN_SECRET_PREVIOUS: is WARDEN_SECRET; set it to the secret before the rotation, or unset it');
  }

  const isProduction = e.NODE_ENV === 'production';
  const settings = parseSettings(env, modules, isProduction, problems);
  if (isProduction) {
    const required: [string, unknown][] = [
      ['DATABASE_URL', e.DATABASE_URL],
      ['REDIS_URL', e.REDIS_URL ?? e.REDIS_CLUSTER_NODES],
      ['JWT_PRIVATE_KEY', e.JWT_PRIVATE_KEY],
      ['WARDEN_SECRET', e.WARDEN_SECRET],
      ['SMTP_URL', e.SMTP_URL],
      // Its default (no-reply@localhost) serves development only: production names the real sender.
      ['MAIL_FROM', env.MAIL_FROM?.trim()],
    ];
    for (const [name, value] of required) {
      // A value given but refused above is already named; "required" would be a second, wrong line.
      if (!value && !cleaned[name]) problems.push(`${name}: required when NODE_ENV=production (no embedded default in production)`);
    }
    // A third-party CAPTCHA without its keys would refuse every call past the threshold.
    if (e.CAPTCHA_PROVIDER === 'turnstile' || e.CAPTCHA_PROVIDER === 'hcaptcha') {
      for (const name of ['CAPTCHA_SITE_KEY', 'CAPTCHA_SECRET_KEY'] as const) {
        if (!e[name] && !cleaned[name]) problems.push(`${name}: required when NODE_ENV=production and CAPTCHA_PROVIDER=${e.CAPTCHA_PROVIDER}`);
      }
    }
    // Without it, anyone who reaches /graphql can call _entities and _service (docs/federation.md).
    if (e.FEDERATION_ENABLED === 'true' && !e.FEDERATION_ROUTER_SECRET && !cleaned.FEDERATION_ROUTER_SECRET) {
      problems.push('FEDERATION_ROUTER_SECRET: required when NODE_ENV=production and FEDERATION_ENABLED=true');
    }
    // Reset and magic links are built from these: a loopback address would send users' links nowhere.
    for (const [name, value] of [
      ['PUBLIC_URL', e.PUBLIC_URL],
      ['APP_URL', cleaned.APP_URL],
    ] as const) {
      if (!value) {
        problems.push(`${name}: required when NODE_ENV=production (links in mails are built from it)`);
      } else if (isLoopbackUrl(value) && e.ALLOW_LOOPBACK_URLS !== 'true') {
        problems.push(
          `${name}: "${value}" names localhost or a loopback address; set the public URL (or ALLOW_LOOPBACK_URLS=true for a test run on one machine)`,
        );
      }
    }
  }

  const redisClusterNodes = e.REDIS_CLUSTER_NODES
    ? e.REDIS_CLUSTER_NODES.split(',').map((entry) => {
        const at = entry.trim().lastIndexOf(':');
        return { host: entry.trim().slice(0, at), port: Number(entry.trim().slice(at + 1)) };
      })
    : null;
  // A brace in the prefix would become every key's hash tag and pin all keys to one cluster slot.
  if (redisClusterNodes && /[{}]/.test(e.REDIS_KEY_PREFIX)) problems.push('REDIS_KEY_PREFIX: must not contain { or } with REDIS_CLUSTER_NODES');

  const appUrl = e.APP_URL.replace(/\/$/, '');
  const allowlist = check(problems, [], () => originList(e.REDIRECT_ALLOWLIST ?? appUrl, 'REDIRECT_ALLOWLIST'));
  // Origins that may read /graphql answers with the refresh cookie: the frontend only, not every redirect target.
  const corsOrigins = check(problems, [], () => originList(e.CORS_ORIGINS ?? appUrl, 'CORS_ORIGINS', httpOrigin));

  const webauthnOrigins = check(problems, [], () => originList(e.WEBAUTHN_ORIGINS ?? appUrl, 'WEBAUTHN_ORIGINS'));
  const webauthnRpId = e.WEBAUTHN_RP_ID ?? new URL(appUrl).hostname;
  for (const o of webauthnOrigins) {
    const host = new URL(o).hostname;
    if (host !== webauthnRpId && !host.endsWith(`.${webauthnRpId}`)) {
      problems.push(`WEBAUTHN_ORIGINS: ${o} is not ${webauthnRpId} or one of its subdomains (WEBAUTHN_RP_ID)`);
    }
  }
  const jwtPrivateKeys = check(problems, null, () => {
    if (!e.JWT_PRIVATE_KEY) return null;
    const keys = splitPrivateKeys(e.JWT_PRIVATE_KEY);
    checkSigningKeyKinds(keys);
    return Object.freeze(keys);
  });
  const providers = check(problems, [], () => oauthProviders(env, isProduction, e.ALLOW_LOOPBACK_URLS === 'true'));

  if (problems.length > 0) throw new ConfigError(problems);

  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');
  const config: Config = {
    nodeEnv: e.NODE_ENV,
    isProduction,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    accessTokenAudience: e.ACCESS_TOKEN_AUDIENCE ?? publicUrl,
    reauthMaxAgeSeconds: e.REAUTH_MAX_AGE_SECONDS,
    appUrl,
    redirectAllowlist: Object.freeze(allowlist),
    corsOrigins: Object.freeze([...new Set(corsOrigins)]),
    webauthn: Object.freeze({ rpId: webauthnRpId, origins: Object.freeze(webauthnOrigins) }),
    databaseUrl: e.DATABASE_URL ?? null,
    databaseSchema: e.DATABASE_SCHEMA ?? null,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    databaseStatementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    databaseIdleInTransactionTimeoutMs: e.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    mailSendTimeoutMs: e.MAIL_SEND_TIMEOUT_MS,
    redisUrl: e.REDIS_URL ?? null,
    redisClusterNodes: redisClusterNodes ? Object.freeze(redisClusterNodes) : null,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    jwtPrivateKeys,
    secretKey: e.WARDEN_SECRET ?? null,
    previousSecretKey: e.WARDEN_SECRET_PREVIOUS ?? null,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    twilio:
      e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN && e.TWILIO_FROM
        ? {
            accountSid: e.TWILIO_ACCOUNT_SID,
            authToken: e.TWILIO_AUTH_TOKEN,
            from: e.TWILIO_FROM,
            apiBaseUrl: e.TWILIO_API_BASE_URL ?? null,
          }
        : null,
    trustProxy: e.TRUST_PROXY,
    smsAllowedCountries,
    captcha: Object.freeze({
      provider: e.CAPTCHA_PROVIDER,
      siteKey: e.CAPTCHA_SITE_KEY ?? null,
      secretKey: e.CAPTCHA_SECRET_KEY ?? null,
      verifyUrl: e.CAPTCHA_VERIFY_URL ?? captchaVerifyUrls[e.CAPTCHA_PROVIDER],
    }),
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL ?? (e.NODE_ENV === 'test' ? 'silent' : 'info'),
    productName: e.PRODUCT_NAME,
    magicLinkPath: e.MAGIC_LINK_PATH,
    passwordResetPath: e.PASSWORD_RESET_PATH,
    metricsToken: e.METRICS_TOKEN ?? null,
    metricsPort: e.METRICS_PORT ?? null,
    allowLoopbackUrls: e.ALLOW_LOOPBACK_URLS === 'true',
    transactionGuard: e.TRANSACTION_GUARD ? e.TRANSACTION_GUARD === 'true' : !isProduction,
    federationEnabled: e.FEDERATION_ENABLED === 'true',
    federationRouterSecret: e.FEDERATION_ROUTER_SECRET ?? null,
    oauthProviders: providers,
    limits: Object.freeze(limits),
    settings,
    maintenance: Object.freeze({
      enabled: e.MAINTENANCE_ENABLED === 'true',
      intervalSeconds: e.MAINTENANCE_INTERVAL_SECONDS,
      batchSize: e.MAINTENANCE_BATCH_SIZE,
      maxRowsPerRun: e.MAINTENANCE_MAX_ROWS_PER_RUN,
      codeRetentionHours: e.CODE_RETENTION_HOURS,
      rotatedRefreshTokenRetentionSeconds: e.REFRESH_ROTATED_RETENTION_SECONDS,
      sessionRetentionDays: e.SESSION_RETENTION_DAYS,
      auditRetentionDays: e.AUDIT_RETENTION_DAYS,
      unverifiedAccountTtlDays: e.UNVERIFIED_ACCOUNT_TTL_DAYS,
    }),
  };
  return Object.freeze(config);
}

/** Warnings logged at start: the development defaults in use, or production settings that weaken it. */
export function startupWarnings(config: Config): string[] {
  if (!config.isProduction) return developmentWarnings(config);
  const lines: string[] = [];
  if (config.allowLoopbackUrls && (isLoopbackUrl(config.publicUrl) || isLoopbackUrl(config.appUrl))) {
    lines.push(
      `ALLOW_LOOPBACK_URLS=true: PUBLIC_URL (${config.publicUrl}) or APP_URL (${config.appUrl}) names a loopback address; links in mails only open on this machine`,
    );
  }
  if (!config.metricsToken && !config.metricsPort) lines.push('METRICS_TOKEN and METRICS_PORT not set: /metrics is not served (404)');
  if (!config.smsAllowedCountries) lines.push('SMS_ALLOWED_COUNTRIES not set: texts may go to every country (SMS pumping); set it');
  if (config.captcha.provider === 'none')
    lines.push('CAPTCHA_PROVIDER=none: sign-in and sending mutations are only rate-limited (no CAPTCHA past the thresholds)');
  if (config.settings.webhookAllowPrivateNetworks)
    lines.push('WEBHOOK_ALLOW_PRIVATE_NETWORKS=true: webhook URLs may name private, loopback and link-local addresses, and use http (SSRF protection off)');
  if (config.settings.adminEmails.size === 0) lines.push('ADMIN_EMAILS not set: nobody is a platform admin (the admin fields answer FORBIDDEN NOT_ADMIN)');
  return lines;
}

/** One line per embedded default in use, telling what to set instead. */
export function developmentWarnings(config: Config): string[] {
  const lines: string[] = [];
  if (!config.databaseUrl) lines.push(`DATABASE_URL not set: using embedded PostgreSQL (PGlite) in ${config.dataDir}/pglite`);
  if (!config.redisUrl && !config.redisClusterNodes) lines.push('REDIS_URL not set: using the in-process key-value store (one instance only)');
  if (!config.jwtPrivateKeys) lines.push(`JWT_PRIVATE_KEY not set: using a signing key generated into ${config.dataDir}/`);
  if (!config.secretKey) lines.push(`WARDEN_SECRET not set: using a secret generated into ${config.dataDir}/`);
  if (!config.smtpUrl) lines.push(`SMTP_URL not set: mails are printed to the log and kept in ${config.dataDir}/outbox`);
  if (!config.twilio) lines.push(`TWILIO_* not set: texts are printed to the log and kept in ${config.dataDir}/outbox`);
  if (!config.smsAllowedCountries) lines.push('SMS_ALLOWED_COUNTRIES not set: texts may go to every country (set it before going live: SMS pumping)');
  return lines;
}
