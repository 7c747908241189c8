import type { WardenModule } from '../module';
import { PasswordCredentialEntity } from './password-credential.entity';
import { PasswordResolver } from './password.resolver';

export { dropUnverifiedPassword } from './unverified-password';

/** Sign-up and login with a password (and the policy it is checked against). */
export const passwordModule: WardenModule = {
  name: 'password',
  entities: [PasswordCredentialEntity],
  resolvers: [PasswordResolver],
};
