import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { Mailer } from '../mail/mailer';
import { SendTiming } from '../mail/send-timing';
import { PasswordHasher } from '../crypto/password-hasher';
import { Metrics } from '../metrics/metrics';
import { AuditService } from '../modules/audit/audit.service';
import { EventOutbox } from '../modules/events/outbox';
import type { Clock } from '../kernel/clock';
import type { Kernel } from '../kernel/kernel';
import { Notices } from '../kernel/notices';
import { HookRegistry } from '../kernel/hooks';
import type { AddCleanup, Infrastructure } from './infrastructure';

/** The kernel every module is built from (src/kernel/kernel.ts), once per app. */
export function createKernel(
  config: Readonly<Config>,
  infra: Infrastructure,
  clock: Clock,
  logger: Logger,
  addCleanup: AddCleanup,
  overrides: { passwordHasher?: PasswordHasher } = {},
): Kernel {
  const { dataSource, kv, pubsub, mailTransport, sms, hmacKey, previousHmacKey, signingKeys } = infra;
  const hasher =
    overrides.passwordHasher ??
    new PasswordHasher({
      cost: config.limits.bcryptCost,
      maxQueue: config.limits.passwordHashMaxQueue,
      threads: config.limits.passwordHashThreads,
      niceness: config.limits.passwordHashNiceness,
    });
  addCleanup(() => hasher.close());
  void hasher.warmUp().catch((err) => logger.error({ err }, 'password hasher warm-up failed'));

  const mailer = new Mailer(mailTransport, { productName: config.productName, appUrl: config.appUrl, now: clock.now });
  const metrics = new Metrics();
  const audit = new AuditService(dataSource, metrics);
  return {
    config,
    limits: config.limits,
    db: dataSource,
    audit,
    events: new EventOutbox(clock),
    clock,
    keys: { hmacKey, previousHmacKey, signingKeys },
    notices: new Notices({ db: dataSource, mailer, audit, logger }),
    hooks: new HookRegistry(),
    kv,
    pubsub,
    mailer,
    timing: new SendTiming(),
    sms,
    hasher,
    metrics,
    logger,
    addCleanup,
  };
}
