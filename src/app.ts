import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import type { DestinationStream, Logger } from 'pino';
import { Client } from 'pg';
import type { Config } from './config/config';
import { startupWarnings } from './config/config';
import { createLogger } from './logger';
import { createDataSource } from './db/data-source';
import { EmbeddedPostgres } from './db/embedded-postgres';
import type { KvStore } from './store/kv-store';
import { MemoryKvStore } from './store/memory-kv-store';
import { RedisKvStore } from './store/redis-kv-store';
import type { PubSub } from './store/pub-sub';
import { MemoryPubSub } from './store/memory-pub-sub';
import { RedisPubSub } from './store/redis-pub-sub';
import { registerRuntimeGauges } from './http/runtime-gauges';
import type { MailTransport } from './mail/mail-transport';
import { SmtpTransport } from './mail/smtp-transport';
import { OutboxTransport } from './mail/outbox-transport';
import { Mailer } from './mail/mailer';
import { SendTiming } from './mail/send-timing';
import type { SmsSender } from './sms/sms-sender';
import { TwilioSmsSender } from './sms/twilio-sms-sender';
import { OutboxSmsSender } from './sms/outbox-sms-sender';
import { DisabledSmsSender } from './sms/disabled-sms-sender';
import { PasswordHasher } from './crypto/password-hasher';
import { SigningKeys } from './crypto/signing-keys';
import { loadOrCreateDevSecret, loadOrCreateDevSigningKey } from './crypto/dev-secrets';
import { AuditService } from './modules/audit/audit.service';
import { UsersService } from './modules/users/users.service';
import { AccessTokens } from './modules/sessions/access-tokens';
import { RevocationList } from './modules/sessions/revocation-list';
import { SessionsService } from './modules/sessions/sessions.service';
import { OtpService } from './modules/otp/otp.service';
import { PasswordService } from './modules/password/password.service';
import { MagicLinkService } from './modules/magic-link/magic-link.service';
import { PasswordResetService } from './modules/password-reset/password-reset.service';
import { RateLimiter } from './modules/rate-limits/rate-limiter';
import { FieldLimiter } from './modules/rate-limits/field-limits';
import { IdentifierLimits } from './modules/rate-limits/identifier-limits';
import { SmsPolicy } from './modules/rate-limits/sms-policy';
import { VerifiedPhones } from './modules/rate-limits/verified-phones';
import { LoginLockout } from './modules/rate-limits/login-lockout';
import { ViewerResolver } from './modules/users/viewer.resolver';
import { PasswordResolver } from './modules/password/password.resolver';
import { OtpResolver } from './modules/otp/otp.resolver';
import { SessionsResolver } from './modules/sessions/sessions.resolver';
import { MagicLinkResolver } from './modules/magic-link/magic-link.resolver';
import { PasswordResetResolver } from './modules/password-reset/password-reset.resolver';
import { buildWardenSchema } from './graphql/schema';
import { instanceContainer } from './graphql/container';
import { createContextFactory } from './graphql/context';
import { Metrics } from './graphql/plugins/metrics-plugin';
import { createHttpServer } from './http/server';
import path from 'node:path';

/** What tests (and embedders) may replace. Everything else comes from Config. */
export interface AppOverrides {
  now?: () => Date;
  mailTransport?: MailTransport;
  smsSender?: SmsSender;
  logger?: Logger;
  logDestination?: DestinationStream;
  /** Print function for the development outboxes (defaults to stdout). */
  outboxPrint?: (line: string) => void;
}

export interface App {
  config: Readonly<Config>;
  fastify: FastifyInstance;
  dataSource: DataSource;
  kv: KvStore;
  logger: Logger;
  metrics: Metrics;
  listen(): Promise<string>;
  close(): Promise<void>;
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
    await runner.query('SELECT pg_advisory_lock(727100001)');
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(727100001)').catch(() => undefined);
    await runner.release();
  }
}

/** The composition root: the only place adapters, services and resolvers are constructed. */
export async function createApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel, overrides.logDestination);
  const now = overrides.now ?? (() => new Date());
  const nowMs = overrides.now ? () => now().getTime() : Date.now;
  for (const line of startupWarnings(config)) logger.warn(line);

  const cleanups: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => logger.error({ err }, 'shutdown step failed'));
  };

  try {
    // PostgreSQL: DATABASE_URL, or embedded PGlite (in memory under NODE_ENV=test, else in DATA_DIR).
    let databaseUrl = config.databaseUrl;
    let poolSize = config.databasePoolSize;
    if (!databaseUrl) {
      const embedded = await EmbeddedPostgres.start(config.nodeEnv === 'test' ? null : config.dataDir);
      cleanups.push(() => embedded.stop());
      databaseUrl = embedded.url;
      poolSize = 1;
    }
    if (config.databaseSchema) await ensureSchema(databaseUrl, config.databaseSchema);
    const dataSource = createDataSource({ url: databaseUrl, schema: config.databaseSchema, poolSize });
    await dataSource.initialize();
    cleanups.push(() => dataSource.destroy());
    await migrate(dataSource, poolSize > 1);

    // Key-value store and pub/sub: Redis (or Redis Cluster), or in-process.
    let kv: KvStore;
    let pubsub: PubSub;
    if (config.redisUrl || config.redisClusterNodes) {
      const redis = new RedisKvStore({ url: config.redisUrl, clusterNodes: config.redisClusterNodes, keyPrefix: config.redisKeyPrefix });
      cleanups.push(() => redis.close());
      await redis.connect();
      kv = redis;
      pubsub = new RedisPubSub({
        commands: redis.client,
        target: redis.target,
        maxLagMs: config.limits.revocationMaxLagMs,
        onStateChange: ({ channel, current, reason }) =>
          logger[current ? 'info' : 'warn']({ channel, reason }, current ? 'pub/sub current: revocations checked locally' : 'pub/sub not current: revocations checked in Redis'),
      });
    } else {
      kv = new MemoryKvStore();
      cleanups.push(() => kv.close());
      pubsub = new MemoryPubSub();
    }
    cleanups.push(() => pubsub.close());

    const hmacKey = Buffer.from(config.secretKey ?? loadOrCreateDevSecret(config.dataDir), 'utf8');
    const signingKeys = await SigningKeys.load(config.jwtPrivateKeys ?? [loadOrCreateDevSigningKey(config.dataDir)]);

    const hasher = new PasswordHasher({
      cost: config.limits.bcryptCost,
      maxQueue: config.limits.passwordHashMaxQueue,
      threads: config.limits.passwordHashThreads,
      niceness: config.limits.passwordHashNiceness,
    });
    cleanups.push(() => hasher.close());
    void hasher.warmUp().catch((err) => logger.error({ err }, 'password hasher warm-up failed'));

    const outboxDir = path.resolve(config.dataDir, 'outbox');
    const mailTransport: MailTransport =
      overrides.mailTransport ??
      (config.smtpUrl ? new SmtpTransport(config.smtpUrl, config.mailFrom) : new OutboxTransport(outboxDir, overrides.outboxPrint));
    if (mailTransport.close) cleanups.push(() => mailTransport.close!());
    // No Twilio settings: development prints texts (outbox); production refuses them rather than log a code.
    const sms =
      overrides.smsSender ??
      (config.twilio
        ? new TwilioSmsSender(config.twilio)
        : config.isProduction
          ? new DisabledSmsSender()
          : new OutboxSmsSender(outboxDir, overrides.outboxPrint));
    const mailer = new Mailer(mailTransport, { productName: config.productName, appUrl: config.appUrl, now });
    const timing = new SendTiming();

    const metrics = new Metrics();
    const rateLimiter = new RateLimiter(kv, hmacKey);
    const fieldLimiter = new FieldLimiter(rateLimiter, config.limits);
    const identifierLimits = new IdentifierLimits(rateLimiter, config.limits);
    const smsPolicy = new SmsPolicy(rateLimiter, config.limits, config.smsAllowedCountries, new VerifiedPhones(kv, hmacKey));
    const lockout = new LoginLockout(kv, hmacKey, config.limits, () => now().getTime());
    const audit = new AuditService(dataSource, metrics);
    const users = new UsersService(dataSource);
    const accessTokens = new AccessTokens(signingKeys, {
      issuer: config.publicUrl,
      ttlSeconds: config.limits.accessTokenTtlSeconds,
      now,
      nowMs,
      cacheMaxEntries: config.limits.verifiedTokenCacheMaxEntries,
    });
    const revocations = new RevocationList(kv, pubsub, config.limits.accessTokenTtlSeconds);
    revocations.start();
    cleanups.push(() => revocations.close());
    registerRuntimeGauges(metrics.registry, {
      passwordHashesInFlight: () => hasher.inFlight,
      revocationsLocal: () => (revocations.isLocal ? 1 : 0),
    });
    const sessions = new SessionsService({ dataSource, accessTokens, revocations, audit, hmacKey, limits: config.limits, now });
    const otp = new OtpService({
      dataSource,
      kv,
      users,
      sessions,
      audit,
      mailer,
      sms,
      timing,
      identifierLimits,
      smsPolicy,
      hmacKey,
      limits: config.limits,
      productName: config.productName,
      now,
    });
    const passwords = new PasswordService({ dataSource, users, otp, audit, hasher, mailer, lockout, identifierLimits, limits: config.limits });
    const magicLinks = new MagicLinkService({
      dataSource,
      users,
      sessions,
      audit,
      mailer,
      timing,
      identifierLimits,
      hmacKey,
      limits: config.limits,
      appUrl: config.appUrl,
      magicLinkPath: config.magicLinkPath,
      redirectAllowlist: config.redirectAllowlist,
      now,
    });
    const resets = new PasswordResetService({
      dataSource,
      users,
      otp,
      passwords,
      sessions,
      audit,
      mailer,
      timing,
      lockout,
      hmacKey,
      limits: config.limits,
      appUrl: config.appUrl,
      passwordResetPath: config.passwordResetPath,
      now,
    });

    const schema = await buildWardenSchema(
      instanceContainer([
        new ViewerResolver(),
        new PasswordResolver(passwords),
        new OtpResolver(otp),
        new SessionsResolver(sessions),
        new MagicLinkResolver(magicLinks),
        new PasswordResetResolver(resets),
      ]),
    );

    const { fastify } = await createHttpServer({
      schema,
      logger,
      isProduction: config.isProduction,
      exposeErrors: config.nodeEnv === 'development',
      corsOrigins: [...new Set([config.appUrl, ...config.redirectAllowlist])],
      createContext: createContextFactory({ sessions, users, trustProxy: config.trustProxy, secureCookies: config.nodeEnv !== 'development', fieldLimiter }),
      bodyLimitBytes: config.limits.graphqlMaxBodyBytes,
      graphqlLimits: config.limits,
      maxOperationsPerRequest: config.limits.graphqlMaxOperationsPerRequest,
      jwks: () => signingKeys.jwks(),
      readiness: [
        { name: 'postgres', check: async () => void (await dataSource.query('SELECT 1')) },
        { name: 'store', check: () => kv.ping() },
      ],
      plugins: [metrics.plugin()],
      metrics: () => metrics.render(),
      metricsToken: config.metricsToken,
      metricsPort: config.metricsPort,
      metricsHost: config.host,
    });
    cleanups.push(() => fastify.close());

    return {
      config,
      fastify,
      dataSource,
      kv,
      logger,
      metrics,
      async listen() {
        await fastify.listen({ port: config.port, host: config.host });
        const address = fastify.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        return `http://127.0.0.1:${port}`;
      },
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
