import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { OtpProvides } from '../otp';
import type { RateLimitsProvides } from '../rate-limits';
import type { BreachedPasswordsProvides } from '../breached-passwords';
import { PasswordCredentialEntity } from './password-credential.entity';
import { PasswordResolver } from './password.resolver';
import { passwordDeclarations } from './password.declarations';
import { PasswordService } from './password.service';

// The pre-registration rule every first proof of an email address applies (otp, magic-link, account, oauth). Those
// modules import './unverified-password' itself: importing this index from otp would close a cycle (password → otp).
export { dropUnverifiedPassword } from './unverified-password';
// The credentials table as other modules reach it (module tables are private: no one else imports password-credential.entity.ts).
export { exportPassword, hasPassword, insertPassword, passwordHashOf } from './credential-rows';

/** What the password module provides its dependents. */
export interface PasswordProvides {
  passwords: PasswordService;
}

/** Sign-up and login with a password (and the policy it is checked against). */
export const passwordModule: WardenModule = {
  name: 'password',
  dependsOn: ['users', 'otp', 'sessions', 'rate-limits', 'breached-passwords'],
  build(kernel, peers) {
    const { users } = peers.of<UsersProvides>('users');
    const { otp } = peers.of<OtpProvides>('otp');
    const { sessions } = peers.of<SessionsProvides>('sessions');
    const { lockout, identifierLimits } = peers.of<RateLimitsProvides>('rate-limits');
    const { breachedPasswords } = peers.of<BreachedPasswordsProvides>('breached-passwords');
    const passwords = new PasswordService({
      breachedPasswords,
      dataSource: kernel.db,
      users,
      otp,
      sessions,
      audit: kernel.audit,
      hasher: kernel.hasher,
      mailer: kernel.mailer,
      lockout,
      identifierLimits,
      limits: kernel.limits,
    });
    const provides: PasswordProvides = { passwords };
    return { provides, instances: [passwords, new PasswordResolver(passwords)] };
  },
  entities: [PasswordCredentialEntity],
  resolvers: [PasswordResolver],
  ...passwordDeclarations,
};
