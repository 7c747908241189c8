import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { loadConfig } from '../../src/config/config';
import { defaultLimits } from '../../src/config/limits';
import { createApp, type App, type AppOverrides } from '../../src/app';
import type { WardenModule } from '../../src/modules/module';
import { backends } from './backends';
import { SmtpInbox } from './smtp-inbox';
import { TwilioFake } from './twilio-fake';
import { WardenClient } from './graphql-client';

export interface TestApp {
  app: App;
  url: string;
  inbox: SmtpInbox;
  twilio: TwilioFake;
  env: Record<string, string>;
  /** A table name qualified with this app's schema, for raw SQL in tests. */
  table(name: string): string;
  client(headers?: Record<string, string>): WardenClient;
  close(): Promise<void>;
}

export const TWILIO_SID = 'AC' + 'a'.repeat(32);
export const TWILIO_TOKEN = 'test-auth-token';
export const TWILIO_FROM = '+15005550006';

let counter = 0;

/** A unique PostgreSQL schema and Redis key prefix per app, so test files never see each other's data. */
/** The shipped per-IP limits, for the tests that exercise them (startTestApp lifts them for flow tests). */
export const shippedIpLimits = {
  RATE_LIMIT_IP_PER_MINUTE: String(defaultLimits.rateLimitIpPerMinute),
  RATE_LIMIT_IP_SESSION_PER_MINUTE: String(defaultLimits.rateLimitIpSessionPerMinute),
};

export function isolationIds(): { schema: string; prefix: string } {
  const id = `${process.env.JEST_WORKER_ID ?? '0'}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  return { schema: `t_${id}`, prefix: `test:${id}:` };
}

export function testSigningKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export interface StartOptions {
  env?: Record<string, string>;
  overrides?: AppOverrides;
  /** Puts something in front of the test SMTP server (e.g. StallingSmtp); returns the SMTP_URL the app uses. */
  smtpFront?: (inbox: SmtpInbox) => Promise<string>;
  /** Reuse another app's schema, prefix, keys and secret (a second instance of the same deployment). */
  shareWith?: TestApp;
  /** Another module list (default the product's): the config and the app are both built from it. */
  modules?: readonly WardenModule[];
}

/**
 * Boots Warden on a free port with a real SMTP server and a Twilio fake beside it,
 * against DATABASE_URL/REDIS_URL when set, else the embedded defaults.
 */
export async function startTestApp(options: StartOptions = {}): Promise<TestApp> {
  const inbox = await SmtpInbox.start();
  const twilio = await TwilioFake.start();
  const ids = isolationIds();
  const shared = options.shareWith?.env;
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL: 'http://warden.test',
    APP_URL: 'http://app.test',
    REDIRECT_ALLOWLIST: 'http://app.test,https://admin.app.test',
    BCRYPT_COST: '4',
    // Flow tests send many requests from 127.0.0.1; the abuse tests set the per-IP limits they exercise.
    RATE_LIMIT_IP_PER_MINUTE: '100000',
    RATE_LIMIT_IP_SESSION_PER_MINUTE: '100000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    JWT_PRIVATE_KEY: shared?.JWT_PRIVATE_KEY ?? testSigningKey(),
    WARDEN_SECRET: shared?.WARDEN_SECRET ?? randomBytes(32).toString('base64url'),
    SMTP_URL: options.smtpFront ? await options.smtpFront(inbox) : inbox.url,
    MAIL_FROM: 'Warden Test <no-reply@warden.test>',
    TWILIO_ACCOUNT_SID: TWILIO_SID,
    TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    TWILIO_FROM,
    TWILIO_API_BASE_URL: twilio.baseUrl,
    ...(backends.databaseUrl ? { DATABASE_URL: backends.databaseUrl, DATABASE_SCHEMA: shared?.DATABASE_SCHEMA ?? ids.schema } : {}),
    // Embedded PGlite (served by globalSetup) runs one session, serving one connection's request at a time
    // (serializedPgliteServer): more connections per app would only wait. One per app, as `npm start` uses.
    ...(process.env.WARDEN_TEST_EMBEDDED_PG ? { DATABASE_POOL_SIZE: '1' } : {}),
    ...(backends.redisUrl ? { REDIS_URL: backends.redisUrl, REDIS_KEY_PREFIX: shared?.REDIS_KEY_PREFIX ?? ids.prefix } : {}),
    // WARDEN_TEST_FEDERATION=1 runs every flow against the federation subgraph schema (docs/federation.md).
    ...(process.env.WARDEN_TEST_FEDERATION ? { FEDERATION_ENABLED: 'true' } : {}),
    // Production-mode tests keep the transaction guard too (it is off by default in production, where it
    // costs every request; tests are where it catches a send inside a transaction). TRANSACTION_GUARD: '' unsets it.
    TRANSACTION_GUARD: 'true',
    // No test reaches the outside network: Pwned Passwords stays off, production-mode tests included (its default
    // there is on). test/flows/breached-passwords.test.ts turns it on against a stand-in (HIBP_API_URL).
    HIBP_ENABLED: 'false',
    ...options.env,
  };
  const config = loadConfig(env, options.modules);
  let app: App;
  try {
    app = await createApp(config, options.modules ? { ...options.overrides, modules: options.modules } : options.overrides);
  } catch (error) {
    await inbox.stop();
    await twilio.stop();
    throw error;
  }
  const url = await app.listen();
  const ownsSchema = !options.shareWith && !!env.DATABASE_SCHEMA && !options.env?.DATABASE_SCHEMA;
  return {
    app,
    url,
    inbox,
    twilio,
    env,
    table: (name) => (env.DATABASE_SCHEMA ? `"${env.DATABASE_SCHEMA}"."${name}"` : `"${name}"`),
    client: (headers) => new WardenClient(url, headers),
    async close() {
      await app.close();
      await inbox.stop();
      await twilio.stop();
      if (ownsSchema && backends.databaseUrl) await dropSchema(backends.databaseUrl, env.DATABASE_SCHEMA!);
    },
  };
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
