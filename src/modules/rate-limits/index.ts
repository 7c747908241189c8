import type { WardenModule } from '../module';

/** Rate limits, login lockout and the SMS policy; state in the key-value store, no tables. */
export const rateLimitsModule: WardenModule = {
  name: 'rate-limits',
  entities: [],
  resolvers: [],
};
