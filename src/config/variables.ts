import type { DeclaringModule } from '../modules/declaration-types';
import { limitTableOf } from './limits';
import { settingTableOf } from './settings';

/**
 * One environment variable the process reads. Numbers have bounds (parsed as a whole number in [min, max],
 * else refused at start naming the variable); `default` null means unset unless given; `required` names when it
 * must be given. The shape of a limit (src/modules/declaration-types.ts LimitDeclaration), widened to the
 * variables that are not plain numbers.
 */
export interface VariableDeclaration {
  env: string;
  default: string | number | null;
  min?: number;
  max?: number;
  doc: string;
  required?: 'production';
  /** The capability the variable configures, when it is parsed here rather than declared by that module. */
  module?: string;
}

/** A variable as listed for docs/configuration.md and .env.example. `pattern`: a family (`<ID>` stands for any name). */
export interface VariableInfo extends VariableDeclaration {
  module: string;
  pattern?: boolean;
}

const H = 3600;
const D = 24 * H;

/**
 * Every variable the process reads that is not a limit or a module's setting: those are declared by their
 * modules (`limits`, `settings`; the core limits in src/config/limits.ts). src/config/config.ts parses exactly these (config.test.ts checks it).
 */
export const coreVariables = [
  { env: 'NODE_ENV', default: 'development', doc: 'development, production or test. production refuses every embedded default.' },
  { env: 'PORT', default: 4000, min: 0, max: 65535, doc: 'HTTP port of /graphql (0: any free port).' },
  { env: 'HOST', default: '0.0.0.0', doc: 'address to listen on.' },
  {
    env: 'PUBLIC_URL',
    default: null,
    required: 'production',
    doc: "Warden's own public URL: token issuer and the base of links in mails (default http://localhost:PORT).",
  },
  {
    env: 'APP_URL',
    default: 'http://localhost:3000',
    required: 'production',
    doc: 'the frontend: magic-link and reset links point there; default CORS, redirect and passkey origin.',
  },
  { env: 'ALLOW_LOOPBACK_URLS', default: 'false', doc: 'true: production accepts a localhost PUBLIC_URL or APP_URL (a test run on one machine).' },
  { env: 'ACCESS_TOKEN_AUDIENCE', default: null, module: 'sessions', doc: 'the aud claim of access tokens (default PUBLIC_URL).' },
  {
    env: 'REAUTH_MAX_AGE_SECONDS',
    default: 900,
    min: 5,
    max: 86_400,
    module: 'sessions',
    doc: 'how recent "recent authentication" is for sensitive mutations.',
  },
  { env: 'REDIRECT_ALLOWLIST', default: null, doc: 'comma-separated origins redirectTo may point at (default APP_URL).' },
  {
    env: 'CORS_ORIGINS',
    default: null,
    doc: 'comma-separated http(s) origins allowed to call /graphql from a browser with credentials (the warden_refresh cookie), kept apart from REDIRECT_ALLOWLIST (default APP_URL).',
  },
  { env: 'WEBAUTHN_RP_ID', default: null, module: 'passkeys', doc: 'passkey relying-party id: a host name (default the host of APP_URL).' },
  {
    env: 'WEBAUTHN_ORIGINS',
    default: null,
    module: 'passkeys',
    doc: 'comma-separated origins passkey ceremonies may come from (default APP_URL), each WEBAUTHN_RP_ID or a subdomain.',
  },
  { env: 'DATABASE_URL', default: null, required: 'production', doc: 'postgres:// URL; unset outside production: embedded PostgreSQL (PGlite) in DATA_DIR.' },
  { env: 'DATABASE_SCHEMA', default: null, doc: "PostgreSQL schema to use, created if missing (default the connection's, public)." },
  { env: 'DATABASE_POOL_SIZE', default: 10, min: 1, max: 200, doc: 'connections in the pool.' },
  { env: 'DATABASE_STATEMENT_TIMEOUT_MS', default: 30_000, min: 1000, max: 600_000, doc: 'PostgreSQL statement_timeout on every pooled connection.' },
  {
    env: 'DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS',
    default: 10_000,
    min: 1000,
    max: 600_000,
    doc: 'PostgreSQL idle_in_transaction_session_timeout: the server ends a transaction left idle this long.',
  },
  {
    env: 'REDIS_URL',
    default: null,
    required: 'production',
    doc: 'redis:// or rediss:// URL (or REDIS_CLUSTER_NODES); unset outside production: an in-process store.',
  },
  { env: 'REDIS_CLUSTER_NODES', default: null, doc: 'host:port,host:port… seed nodes of a Redis Cluster; REDIS_URL then only lends credentials and TLS.' },
  { env: 'REDIS_KEY_PREFIX', default: 'warden:', doc: 'prefix of every Redis key.' },
  {
    env: 'JWT_PRIVATE_KEY',
    default: null,
    required: 'production',
    doc: 'PEM or JWK of the signing key (Ed25519 → EdDSA, P-256 → ES256). Several keys (concatenated PEMs, a JSON array or a JWK Set): the first signs, all are published.',
  },
  {
    env: 'WARDEN_SECRET',
    default: null,
    required: 'production',
    doc: 'at least 32 characters: the HMAC key for codes and tokens at rest, and (through HKDF) the key that encrypts TOTP secrets.',
  },
  { env: 'WARDEN_SECRET_PREVIOUS', default: null, doc: 'the secret before the last rotation: what was sealed or hashed under it still opens and matches.' },
  {
    env: 'SMTP_URL',
    default: null,
    required: 'production',
    doc: 'smtp:// or smtps:// URL; unset outside production: mails go to the log and DATA_DIR/outbox.',
  },
  {
    env: 'MAIL_FROM',
    default: 'Warden <no-reply@localhost>',
    required: 'production',
    doc: 'From: of every mail, `Name <address>` (the default serves development only).',
  },
  {
    env: 'MAIL_SEND_TIMEOUT_MS',
    default: 10_000,
    min: 500,
    max: 120_000,
    doc: 'longest wait on the SMTP server for one mail (connect, greeting, each reply).',
  },
  { env: 'TWILIO_ACCOUNT_SID', default: null, doc: 'Twilio account (all three TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM, or none).' },
  { env: 'TWILIO_AUTH_TOKEN', default: null, doc: 'Twilio auth token.' },
  { env: 'TWILIO_FROM', default: null, doc: 'the sender: a Twilio number in E.164, or a messaging service SID (MG…).' },
  { env: 'TWILIO_API_BASE_URL', default: null, doc: 'another Twilio API base URL (tests, regional endpoints).' },
  { env: 'SMS_ALLOWED_COUNTRIES', default: null, doc: 'comma-separated ISO 3166 alpha-2 codes texts may go to (unset: every country).' },
  {
    env: 'CAPTCHA_PROVIDER',
    default: 'none',
    module: 'captcha',
    doc: 'none, altcha, turnstile or hcaptcha (docs/bot-defences.md); none: captchaToken is ignored.',
  },
  { env: 'CAPTCHA_SITE_KEY', default: null, module: 'captcha', doc: 'turnstile or hcaptcha site key; required with them.' },
  { env: 'CAPTCHA_SECRET_KEY', default: null, module: 'captcha', doc: 'turnstile or hcaptcha secret key; required with them.' },
  { env: 'CAPTCHA_VERIFY_URL', default: null, module: 'captcha', doc: "siteverify override (tests, proxies); default: the provider's." },
  { env: 'TRUST_PROXY', default: 0, min: 0, max: 10, doc: "hops of X-Forwarded-For to trust for the client IP (0: the socket's address)." },
  { env: 'DATA_DIR', default: '.data', doc: 'where the development defaults keep their files (embedded database, generated keys, outbox).' },
  { env: 'LOG_LEVEL', default: null, doc: 'fatal, error, warn, info, debug, trace or silent (default info; silent under NODE_ENV=test).' },
  { env: 'PRODUCT_NAME', default: 'Warden', doc: 'the name in mails and texts.' },
  { env: 'MAGIC_LINK_PATH', default: '/auth/magic-link', module: 'magic-link', doc: 'path under APP_URL that sign-in links open.' },
  { env: 'PASSWORD_RESET_PATH', default: '/auth/reset-password', module: 'password-reset', doc: 'path under APP_URL that reset links open.' },
  { env: 'METRICS_TOKEN', default: null, doc: 'at least 16 characters: bearer token of /metrics (production serves /metrics only with it or METRICS_PORT).' },
  { env: 'METRICS_PORT', default: null, min: 1, max: 65535, doc: '/metrics on its own port (same HOST) instead of the API port.' },
  {
    env: 'TRANSACTION_GUARD',
    default: null,
    doc: 'true: a mail, text or provider call made inside a database transaction, or a transaction opened inside another, fails at once (default true outside production, false in production).',
  },
  { env: 'FEDERATION_ENABLED', default: 'false', module: 'federation', doc: 'true: serve /graphql as an Apollo Federation 2 subgraph.' },
  {
    env: 'FEDERATION_ROUTER_SECRET',
    default: null,
    module: 'federation',
    doc: '16 to 512 characters: _service and _entities answer only requests whose x-router-secret carries it (required in production with FEDERATION_ENABLED).',
  },
  { env: 'MAINTENANCE_ENABLED', default: 'true', doc: 'false leaves every table to grow (run the retention sweeps elsewhere).' },
  { env: 'MAINTENANCE_INTERVAL_SECONDS', default: 3600, min: 60, max: 86_400, doc: 'pause between two maintenance runs (±10% jitter).' },
  { env: 'MAINTENANCE_BATCH_SIZE', default: 1000, min: 10, max: 10_000, doc: 'rows deleted per statement.' },
  { env: 'MAINTENANCE_MAX_ROWS_PER_RUN', default: 100_000, min: 100, max: 10_000_000, doc: 'rows one job deletes per run at most.' },
  { env: 'CODE_RETENTION_HOURS', default: 24, min: 1, max: 720, doc: 'expired or used codes, sign-in links and reset tokens are kept this long after.' },
  {
    env: 'REFRESH_ROTATED_RETENTION_SECONDS',
    default: 7 * D,
    min: 60,
    max: 90 * D,
    module: 'sessions',
    doc: 'rotated refresh tokens are kept this long (never less than REFRESH_REUSE_INTERVAL).',
  },
  { env: 'SESSION_RETENTION_DAYS', default: 30, min: 1, max: 3650, module: 'sessions', doc: 'revoked or expired sessions are kept this long after they end.' },
  { env: 'AUDIT_RETENTION_DAYS', default: 180, min: 7, max: 3650, module: 'audit', doc: 'audit events are kept this long.' },
  {
    env: 'UNVERIFIED_ACCOUNT_TTL_DAYS',
    default: 7,
    min: 1,
    max: 365,
    module: 'users',
    doc: 'accounts with no verified email or phone are deleted this long after signup.',
  },
] as const satisfies readonly VariableDeclaration[];

export type CoreVariableName = (typeof coreVariables)[number]['env'];

/** The OAUTH_* family (docs/oauth.md): one provider per prefix, listed as patterns. */
export const oauthVariablePatterns: readonly VariableDeclaration[] = [
  { env: 'OAUTH_GOOGLE_CLIENT_ID', default: null, doc: 'Google sign-in client id (with OAUTH_GOOGLE_CLIENT_SECRET; both or neither).' },
  { env: 'OAUTH_GOOGLE_CLIENT_SECRET', default: null, doc: 'Google sign-in client secret.' },
  { env: 'OAUTH_GOOGLE_ISSUER', default: 'https://accounts.google.com', doc: 'the Google issuer (tests point it elsewhere).' },
  { env: 'OAUTH_GITHUB_CLIENT_ID', default: null, doc: 'GitHub sign-in client id (with OAUTH_GITHUB_CLIENT_SECRET; both or neither).' },
  { env: 'OAUTH_GITHUB_CLIENT_SECRET', default: null, doc: 'GitHub sign-in client secret.' },
  { env: 'OAUTH_GITHUB_URL', default: 'https://github.com', doc: 'GitHub web URL (GitHub Enterprise).' },
  { env: 'OAUTH_GITHUB_API_URL', default: 'https://api.github.com', doc: 'GitHub API URL (GitHub Enterprise).' },
  { env: 'OAUTH_OIDC_<ID>_ISSUER', default: null, doc: 'issuer of an OpenID Connect provider named <ID> (with its CLIENT_ID and CLIENT_SECRET).' },
  { env: 'OAUTH_OIDC_<ID>_CLIENT_ID', default: null, doc: 'client id at provider <ID>.' },
  { env: 'OAUTH_OIDC_<ID>_CLIENT_SECRET', default: null, doc: 'client secret at provider <ID>.' },
  { env: 'OAUTH_OIDC_<ID>_NAME', default: null, doc: 'display name of provider <ID>, at most 60 characters (default <ID> capitalised).' },
  { env: 'OAUTH_OIDC_<ID>_TRUST_EMAIL', default: 'false', doc: "true: the provider's email_verified is trusted to link an existing account." },
];

/**
 * Every variable the process reads: the core ones, every limit (core and each module's), every module's
 * settings and the OAUTH_* family as patterns, each with its default, bounds, doc and owning module.
 * docs/configuration.md and .env.example are generated from this list. `modules`: whose limits and settings
 * (default: the product's).
 */
export function listVariables(modules?: readonly DeclaringModule[]): VariableInfo[] {
  return [
    ...coreVariables.map((v): VariableInfo => ({ ...v, module: 'module' in v ? v.module : 'core' })),
    ...limitTableOf(modules).map((l): VariableInfo => ({ env: l.env, default: l.default, min: l.min, max: l.max, doc: l.doc, module: l.module })),
    ...settingTableOf(modules).map((s): VariableInfo => ({
      env: s.env,
      default: s.default,
      doc: s.doc,
      module: s.module,
      ...(s.requiredInProduction ? { required: 'production' as const } : {}),
    })),
    ...oauthVariablePatterns.map((v): VariableInfo => ({ ...v, module: 'oauth', pattern: /<ID>/.test(v.env) })),
  ];
}
