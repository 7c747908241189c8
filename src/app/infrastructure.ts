import path from 'node:path';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { Client } from 'pg';
import type { Config } from '../config/config';
import { createDataSource } from '../db/data-source';
import type { KvStore } from '../store/kv-store';
import { MemoryKvStore } from '../store/memory-kv-store';
import { RedisKvStore } from '../store/redis-kv-store';
import type { PubSub } from '../store/pub-sub';
import { MemoryPubSub } from '../store/memory-pub-sub';
import { RedisPubSub } from '../store/redis-pub-sub';
import type { MailTransport } from '../mail/mail-transport';
import { SmtpTransport } from '../mail/smtp-transport';
import { OutboxTransport } from '../mail/outbox-transport';
import type { SmsSender } from '../sms/sms-sender';
import { TwilioSmsSender } from '../sms/twilio-sms-sender';
import { OutboxSmsSender } from '../sms/outbox-sms-sender';
import { DisabledSmsSender } from '../sms/disabled-sms-sender';
import { SigningKeys } from '../crypto/signing-keys';
import { loadOrCreateDevSecret, loadOrCreateDevSigningKey } from '../crypto/dev-secrets';
import { maskUrl, reaching, tcpReachable } from './unreachable';

/** Registers a shutdown step; the composition root runs them in reverse order. */
export type AddCleanup = (cleanup: () => Promise<unknown>) => void;

export interface InfrastructureOverrides {
  mailTransport?: MailTransport;
  smsSender?: SmsSender;
  outboxPrint?: (line: string) => void;
}

/** The adapters: PostgreSQL, key-value store, pub/sub, mail, SMS and keys. No domain logic here. */
export interface Infrastructure {
  dataSource: DataSource;
  kv: KvStore;
  pubsub: PubSub;
  mailTransport: MailTransport;
  sms: SmsSender;
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS during a rotation: values sealed or hashed under it still open and match. */
  previousHmacKey: Buffer | null;
  signingKeys: SigningKeys;
}

async function ensureSchema(url: string, schema: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

/** Runs pending migrations; across instances, one at a time (advisory lock). */
async function migrate(dataSource: DataSource, serialize: boolean): Promise<void> {
  // Nothing pending (the usual start): no advisory lock, so instances behind PgBouncer in transaction
  // mode start cleanly once `npm run migrate` has run against PostgreSQL directly.
  if (!(await dataSource.showMigrations())) return;
  if (!serialize) {
    await dataSource.runMigrations({ transaction: 'all' });
    return;
  }
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // Waiting for another instance's migrations may take longer than DATABASE_STATEMENT_TIMEOUT_MS.
    await runner.query('SET statement_timeout = 0');
    await runner.query('SELECT pg_advisory_lock(727100001)');
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727100001)').catch(() => undefined);
    await runner.query('RESET statement_timeout').catch(() => undefined);
    await runner.release();
  }
}

export async function createInfrastructure(
  config: Readonly<Config>,
  logger: Logger,
  overrides: InfrastructureOverrides,
  addCleanup: AddCleanup,
): Promise<Infrastructure> {
  // PostgreSQL: DATABASE_URL, or embedded PGlite (in memory under NODE_ENV=test, else in DATA_DIR).
  let databaseUrl = config.databaseUrl;
  let poolSize = config.databasePoolSize;
  if (!databaseUrl) {
    // Loaded only here, so a gateway with DATABASE_URL (production) never loads PGlite.
    const { EmbeddedPostgres } = await import('../db/embedded-postgres');
    const embedded = await EmbeddedPostgres.start(config.nodeEnv === 'test' ? null : config.dataDir);
    addCleanup(() => embedded.stop());
    databaseUrl = embedded.url;
    poolSize = 1;
  }
  // A configured PostgreSQL, Redis or SMTP server that cannot be reached stops the start, naming its variable.
  const pgStep = <T>(step: () => Promise<T>) => (config.databaseUrl ? reaching('DATABASE_URL', maskUrl(config.databaseUrl), step) : step());
  if (config.databaseSchema) await pgStep(() => ensureSchema(databaseUrl, config.databaseSchema!));
  const dataSource = createDataSource({
    url: databaseUrl,
    schema: config.databaseSchema,
    poolSize,
    // PostgreSQL only: embedded PGlite (development, one connection) is left with its own settings.
    ...(config.databaseUrl
      ? { statementTimeoutMs: config.databaseStatementTimeoutMs, idleInTransactionTimeoutMs: config.databaseIdleInTransactionTimeoutMs }
      : {}),
  });
  await pgStep(() => dataSource.initialize());
  addCleanup(() => dataSource.destroy());
  await migrate(dataSource, poolSize > 1);

  // Key-value store and pub/sub: Redis (or Redis Cluster), or in-process.
  let kv: KvStore;
  let pubsub: PubSub;
  if (config.redisUrl || config.redisClusterNodes) {
    const redis = new RedisKvStore({ url: config.redisUrl, clusterNodes: config.redisClusterNodes, keyPrefix: config.redisKeyPrefix });
    addCleanup(() => redis.close());
    await (config.redisClusterNodes
      ? reaching('REDIS_CLUSTER_NODES', config.redisClusterNodes.map((n) => `${n.host}:${n.port}`).join(','), () => redis.connect())
      : reaching('REDIS_URL', maskUrl(config.redisUrl!), () => redis.connect()));
    kv = redis;
    pubsub = new RedisPubSub({
      commands: redis.client,
      target: redis.target,
      maxLagMs: config.limits.revocationMaxLagMs,
      onStateChange: ({ channel, current, reason }) =>
        logger[current ? 'info' : 'warn'](
          { channel, reason },
          current ? 'pub/sub current: revocations checked locally' : 'pub/sub not current: revocations checked in Redis',
        ),
    });
  } else {
    const memory = new MemoryKvStore();
    addCleanup(() => memory.close());
    kv = memory;
    pubsub = new MemoryPubSub();
  }
  addCleanup(() => pubsub.close());

  const hmacKey = Buffer.from(config.secretKey ?? loadOrCreateDevSecret(config.dataDir), 'utf8');
  const previousHmacKey = config.previousSecretKey ? Buffer.from(config.previousSecretKey, 'utf8') : null;
  const signingKeys = await SigningKeys.load(config.jwtPrivateKeys ?? [loadOrCreateDevSigningKey(config.dataDir)]);

  if (config.smtpUrl && !overrides.mailTransport) {
    const smtp = new URL(config.smtpUrl);
    const port = Number(smtp.port || (smtp.protocol === 'smtps:' ? 465 : 587));
    await reaching('SMTP_URL', maskUrl(config.smtpUrl), () => tcpReachable(smtp.hostname, port, Math.min(5000, config.mailSendTimeoutMs)));
  }

  const outboxDir = path.resolve(config.dataDir, 'outbox');
  const mailTransport: MailTransport =
    overrides.mailTransport ??
    (config.smtpUrl ? new SmtpTransport(config.smtpUrl, config.mailFrom, config.mailSendTimeoutMs) : new OutboxTransport(outboxDir, overrides.outboxPrint));
  if (mailTransport.close) {
    const close = mailTransport.close.bind(mailTransport);
    addCleanup(() => close());
  }
  // No Twilio settings: development prints texts (outbox); production refuses them rather than log a code.
  const sms =
    overrides.smsSender ??
    (config.twilio
      ? new TwilioSmsSender(config.twilio)
      : config.isProduction
        ? new DisabledSmsSender()
        : new OutboxSmsSender(outboxDir, overrides.outboxPrint));

  return { dataSource, kv, pubsub, mailTransport, sms, hmacKey, previousHmacKey, signingKeys };
}
