import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { MfaProvides } from '../mfa';
import { PasskeyEntity } from './passkey.entity';
import { PasskeysResolver } from './passkeys.resolver';
import { passkeysDeclarations } from './passkeys.declarations';
import { PasskeysService, exportPasskeys } from './passkeys.service';

/** Passkeys (WebAuthn): registration, sign-in by email or usernameless, management. Challenges expire in the key-value store (no sweep). */
export const passkeysModule: WardenModule = {
  name: 'passkeys',
  // mfa: adding a passkey needs aal2 once a second factor exists.
  dependsOn: ['users', 'sessions', 'mfa'],
  build(kernel, peers) {
    const { config } = kernel;
    const { users, signInMethods } = peers.of<UsersProvides>('users');
    const { mfa } = peers.of<MfaProvides>('mfa');
    const passkeys = new PasskeysService({
      dataSource: kernel.db,
      kv: kernel.kv,
      users,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      audit: kernel.audit,
      notices: kernel.notices,
      signInMethods,
      requireAal2ToAddFactor: (viewer) => mfa.requireAal2ToAddFactor(viewer),
      rpId: config.webauthn.rpId,
      origins: config.webauthn.origins,
      productName: config.productName,
      maxStringLength: kernel.limits.maxStringLength,
      now: kernel.clock.now,
    });
    return {
      instances: [passkeys, new PasskeysResolver(passkeys)],
      hooks: { signInMethods: [passkeys.signInMethodSource()], exportSections: { passkeys: exportPasskeys } },
    };
  },
  entities: [PasskeyEntity],
  resolvers: [PasskeysResolver],
  ...passkeysDeclarations,
};
