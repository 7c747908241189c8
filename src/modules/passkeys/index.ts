import type { WardenModule } from '../module';
import { PasskeyEntity } from './passkey.entity';
import { PasskeysResolver } from './passkeys.resolver';
import { passkeysDeclarations } from './passkeys.declarations';

/** Passkeys (WebAuthn): registration, sign-in by email or usernameless, management. Challenges expire in the key-value store (no sweep). */
export const passkeysModule: WardenModule = {
  name: 'passkeys',
  entities: [PasskeyEntity],
  resolvers: [PasskeysResolver],
  ...passkeysDeclarations,
};
