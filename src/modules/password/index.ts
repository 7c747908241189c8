import type { WardenModule } from '../module';
import { PasswordCredentialEntity } from './password-credential.entity';
import { PasswordResolver } from './password.resolver';
import { passwordDeclarations } from './password.declarations';

// The pre-registration rule every first proof of an email address applies (otp, magic-link, account, oauth). Those
// modules import './unverified-password' itself: importing this index from otp would close a cycle (password → otp).
export { dropUnverifiedPassword } from './unverified-password';
// The credentials table as other modules reach it (module tables are private: no one else imports password-credential.entity.ts).
export { exportPassword, hasPassword, insertPassword, passwordHashOf } from './credential-rows';

/** Sign-up and login with a password (and the policy it is checked against). */
export const passwordModule: WardenModule = {
  name: 'password',
  entities: [PasswordCredentialEntity],
  resolvers: [PasswordResolver],
  ...passwordDeclarations,
};
