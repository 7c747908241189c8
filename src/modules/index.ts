import type { WardenModule } from './module';
import { usersModule } from './users';
import { passwordModule } from './password';
import { sessionsModule } from './sessions';
import { otpModule } from './otp';
import { magicLinkModule } from './magic-link';
import { passwordResetModule } from './password-reset';
import { auditModule } from './audit';
import { rateLimitsModule } from './rate-limits';
import { federationModule } from './federation';
import { passkeysModule } from './passkeys';
import { mfaModule } from './mfa';
import { oauthModule } from './oauth';
import { accountModule } from './account';
import { organizationsModule } from './organizations';
import { captchaModule } from './captcha';
import { breachedPasswordsModule } from './breached-passwords';
import { adminModule } from './admin';
import { eventsModule } from './events';
import { apiKeysModule } from './api-keys';
import { webhooksModule } from './webhooks';

/**
 * Every capability, once. The GraphQL schema, the TypeORM entity list, the HTTP routes and the
 * maintenance runner are all built from this list: adding a capability is a folder and one line here
 * (plus its migration and its declarations object in src/modules/declarations.ts): its services, resolvers and
 * hooks come from its own build (WardenModule.build).
 */
export const wardenModules: readonly WardenModule[] = [
  usersModule,
  passwordModule,
  sessionsModule,
  adminModule,
  otpModule,
  magicLinkModule,
  passwordResetModule,
  auditModule,
  rateLimitsModule,
  federationModule,
  passkeysModule,
  mfaModule,
  oauthModule,
  accountModule,
  organizationsModule,
  captchaModule,
  breachedPasswordsModule,
  eventsModule,
  apiKeysModule,
  webhooksModule,
];

export const moduleEntities = wardenModules.flatMap((m) => m.entities);
export const moduleResolvers = wardenModules.flatMap((m) => m.resolvers);
