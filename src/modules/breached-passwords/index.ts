import type { WardenModule } from '../module';
import { breachedPasswordsDeclarations } from './breached-passwords.declarations';
import { BreachedPasswordsService } from './breached-passwords.service';
import { PwnedRangeClient } from './pwned-range-client';

/** What the breached-passwords module provides its dependents (the password module). */
export interface BreachedPasswordsProvides {
  breachedPasswords: BreachedPasswordsService;
}

/**
 * Pwned Passwords (HIBP_*): new passwords whose SHA-1 is in a breach are refused. A peer of the password module,
 * which runs it after its own policy (length, the bundled common list) and before any hash or transaction.
 */
export const breachedPasswordsModule: WardenModule = {
  name: 'breached-passwords',
  build(kernel) {
    const { hibpEnabled, hibpApiUrl, hibpFailureMode } = kernel.config.settings;
    const client = hibpEnabled ? new PwnedRangeClient({ apiUrl: hibpApiUrl, timeoutMs: kernel.limits.hibpTimeoutMs }) : null;
    const breachedPasswords = new BreachedPasswordsService({
      client,
      failureMode: hibpFailureMode,
      logger: kernel.logger,
      count: (outcome) => kernel.metrics.hibpChecks.inc({ outcome }),
    });
    const provides: BreachedPasswordsProvides = { breachedPasswords };
    return { provides, instances: [breachedPasswords] };
  },
  entities: [],
  resolvers: [],
  ...breachedPasswordsDeclarations,
};
