import type { WardenModule } from '../module';
import { rateLimitsDeclarations } from './rate-limits.declarations';
import { RateLimiter } from './rate-limiter';
import { FieldLimiter } from './field-limits';
import { IdentifierLimits } from './identifier-limits';
import { SmsPolicy } from './sms-policy';
import { VerifiedPhones } from './verified-phones';
import { LoginLockout } from './login-lockout';

/** What the rate-limits module provides its dependents. */
export interface RateLimitsProvides {
  fieldLimiter: FieldLimiter;
  /** Sends and code checks per email or phone. */
  identifierLimits: IdentifierLimits;
  /** Country allowlist and caps before any text. */
  smsPolicy: SmsPolicy;
  /** The password-login lockout. */
  lockout: LoginLockout;
}

/** Rate limits, login lockout and the SMS policy; state in the key-value store, no tables. */
export const rateLimitsModule: WardenModule = {
  name: 'rate-limits',
  build(kernel) {
    const { kv, limits, config, clock } = kernel;
    const { hmacKey } = kernel.keys;
    const rateLimiter = new RateLimiter(kv, hmacKey);
    const provides: RateLimitsProvides = {
      fieldLimiter: new FieldLimiter(rateLimiter, limits, kernel.hooks),
      identifierLimits: new IdentifierLimits(rateLimiter, limits),
      smsPolicy: new SmsPolicy(rateLimiter, limits, config.smsAllowedCountries, new VerifiedPhones(kv, hmacKey)),
      lockout: new LoginLockout(kv, hmacKey, limits, clock.nowMs),
    };
    return { provides };
  },
  entities: [],
  resolvers: [],
  ...rateLimitsDeclarations,
};
