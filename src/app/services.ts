import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { PasswordHasher } from '../crypto/password-hasher';
import type { Metrics } from '../metrics/metrics';
import { registerRuntimeGauges } from '../metrics/runtime-gauges';
import type { Clock } from '../kernel/clock';
import { buildModules } from '../kernel/build-modules';
import { wardenModules } from '../modules';
import type { WardenModule } from '../modules/module';
import { addErrorCodes } from '../errors/error-codes';
import type { UsersProvides } from '../modules/users';
import type { SessionsProvides } from '../modules/sessions';
import type { RateLimitsProvides } from '../modules/rate-limits';
import type { UsersService } from '../modules/users/users.service';
import type { SessionsService } from '../modules/sessions/sessions.service';
import type { FieldLimiter } from '../modules/rate-limits/field-limits';
import { createKernel } from './kernel';
import type { HookRegistry } from '../kernel/hooks';
import type { AddCleanup, Infrastructure } from './infrastructure';

/** What the transport (src/app/http.ts) and the App need from the built modules. */
export interface Services {
  metrics: Metrics;
  hasher: PasswordHasher;
  fieldLimiter: FieldLimiter;
  users: UsersService;
  sessions: SessionsService;
  /** Everything the container hands out by class: services, adapters and the resolver instances. */
  instances: object[];
  /** Every module's hooks (sealed): the transport reads the bearerAuthenticator. */
  hooks: HookRegistry;
  /** The module list that was built (AppOverrides.modules, default src/modules/index.ts). */
  modules: readonly WardenModule[];
}

/**
 * The kernel, then every module of the list (default src/modules/index.ts) built in dependency order (buildModules: each module's
 * build gets the kernel and its dependencies' `provides`; the hooks go to kernel.hooks). Nothing here names a
 * capability's services but the few the transport itself uses.
 */
export function createServices(
  config: Readonly<Config>,
  infra: Infrastructure,
  clock: Clock,
  logger: Logger,
  addCleanup: AddCleanup,
  overrides: { passwordHasher?: PasswordHasher; modules?: readonly WardenModule[] } = {},
): Services {
  const modules = overrides.modules ?? wardenModules;
  // The error codes of a module composed beside the product's (the product's are known already).
  addErrorCodes(modules);
  const kernel = createKernel(config, infra, clock, logger, addCleanup, overrides);
  const built = buildModules(modules, kernel);
  const provided = <P extends object>(name: string) => built.provides.get(name) as P;
  const { users } = provided<UsersProvides>('users');
  const { sessions, revocations } = provided<SessionsProvides>('sessions');
  const { fieldLimiter } = provided<RateLimitsProvides>('rate-limits');
  registerRuntimeGauges(kernel.metrics.registry, {
    passwordHashesInFlight: () => kernel.hasher.inFlight,
    revocationsLocal: () => (revocations.isLocal ? 1 : 0),
  });
  return {
    metrics: kernel.metrics,
    hasher: kernel.hasher,
    fieldLimiter,
    users,
    sessions,
    instances: [kernel.metrics, ...built.instances],
    hooks: kernel.hooks,
    modules,
  };
}
