import 'reflect-metadata';
import type { FastifyInstance } from 'fastify';
import type { DataSource } from 'typeorm';
import type { DestinationStream, Logger } from 'pino';
import type { Config } from './config/config';
import { startupWarnings } from './config/config';
import { createLogger } from './logger';
import { setTransactionGuard } from './db/transaction';
import type { KvStore } from './store/kv-store';
import type { MailTransport } from './mail/mail-transport';
import type { SmsSender } from './sms/sms-sender';
import type { PasswordHasher } from './crypto/password-hasher';
import type { Metrics } from './metrics/metrics';
import { createInfrastructure } from './app/infrastructure';
import { createServices } from './app/services';
import type { UsersService } from './modules/users/users.service';
import { createHttp } from './app/http';
import { MaintenanceRunner } from './maintenance/maintenance-runner';
import type { WardenModule } from './modules/module';

/** What tests (and embedders) may replace. Everything else comes from Config. */
export interface AppOverrides {
  now?: () => Date;
  mailTransport?: MailTransport;
  smsSender?: SmsSender;
  /** A PasswordHasher built from Config otherwise (tests count its calls). */
  passwordHasher?: PasswordHasher;
  logger?: Logger;
  logDestination?: DestinationStream;
  /** Print function for the development outboxes (defaults to stdout). */
  outboxPrint?: (line: string) => void;
  /**
   * The capabilities to compose (default src/modules/index.ts): e.g. `[...wardenModules, helloModule]`
   * (docs/architecture.md, examples/hello-module). Load the config with the same list, so their limits are parsed.
   */
  modules?: readonly WardenModule[];
}

export interface App {
  config: Readonly<Config>;
  fastify: FastifyInstance;
  dataSource: DataSource;
  kv: KvStore;
  logger: Logger;
  metrics: Metrics;
  /** Users and organizations; `users.usersChanged(em, ids)` is the hook every profile write calls (docs/performance.md). */
  users: UsersService;
  /** Retention sweeps; tests call maintenance.runOnce(). */
  maintenance: MaintenanceRunner;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The composition root: the only place adapters (src/app/infrastructure.ts), services
 * (src/app/services.ts) and the HTTP server (src/app/http.ts) are put together.
 */
export async function createApp(config: Readonly<Config>, overrides: AppOverrides = {}): Promise<App> {
  setTransactionGuard(config.transactionGuard);
  const logger = overrides.logger ?? createLogger(config.logLevel, overrides.logDestination, { pretty: prettyLogs(config, overrides) });
  const now = overrides.now ?? (() => new Date());
  const nowMs = overrides.now ? () => now().getTime() : Date.now;
  for (const line of startupWarnings(config)) logger.warn(line);

  const cleanups: (() => Promise<unknown>)[] = [];
  const addCleanup = (cleanup: () => Promise<unknown>) => void cleanups.push(cleanup);
  const closeAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err) => logger.error({ err }, 'shutdown step failed'));
  };

  try {
    const infra = await createInfrastructure(config, logger, overrides, addCleanup);
    const services = createServices(config, infra, { now, nowMs }, logger, addCleanup, overrides);
    const fastify = await createHttp(config, logger, infra, services);
    addCleanup(() => fastify.close());

    const maintenance = new MaintenanceRunner({
      dataSource: infra.dataSource,
      jobs: services.modules.flatMap((m) => m.jobs ?? []),
      config,
      now,
      logger,
      registry: services.metrics.registry,
    });
    maintenance.start();
    addCleanup(() => maintenance.close());

    return {
      config,
      fastify,
      dataSource: infra.dataSource,
      kv: infra.kv,
      logger,
      metrics: services.metrics,
      users: services.users,
      maintenance,
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

/** Development on a terminal: one readable line per event (pino-pretty). JSON everywhere else. */
function prettyLogs(config: Readonly<Config>, overrides: AppOverrides): boolean {
  return config.nodeEnv === 'development' && !overrides.logDestination && process.stdout.isTTY === true;
}
