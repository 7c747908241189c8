import type { WardenModule } from '../module';
import { rateLimitsDeclarations } from './rate-limits.declarations';

/** Rate limits, login lockout and the SMS policy; state in the key-value store, no tables. */
export const rateLimitsModule: WardenModule = {
  name: 'rate-limits',
  entities: [],
  resolvers: [],
  ...rateLimitsDeclarations,
};
