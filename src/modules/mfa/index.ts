import type { WardenModule } from '../module';
import { MfaFactorEntity } from './mfa-factor.entity';
import { RecoveryCodeEntity } from './recovery-code.entity';
import { MfaResolver, MfaUserFieldsResolver } from './mfa.resolver';
import { mfaRetentionJobs } from './mfa.retention';
import { mfaDeclarations } from './mfa.declarations';

/** Second factors: authenticator apps (TOTP), recovery codes, the sign-in gate and re-authentication (issue #11). */
export const mfaModule: WardenModule = {
  name: 'mfa',
  entities: [MfaFactorEntity, RecoveryCodeEntity],
  resolvers: [MfaResolver, MfaUserFieldsResolver],
  jobs: mfaRetentionJobs,
  ...mfaDeclarations,
};
