import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { OtpProvides } from '../otp';
import { MfaFactorEntity } from './mfa-factor.entity';
import { RecoveryCodeEntity } from './recovery-code.entity';
import { MfaResolver, MfaUserFieldsResolver } from './mfa.resolver';
import { mfaRetentionJobs } from './mfa.retention';
import { mfaDeclarations } from './mfa.declarations';
import { MfaService, exportMfaFactors } from './mfa.service';

/** What the mfa module provides its dependents. */
export interface MfaProvides {
  mfa: MfaService;
}

/** Second factors: authenticator apps (TOTP), recovery codes, the sign-in gate and re-authentication (issue #11). */
export const mfaModule: WardenModule = {
  name: 'mfa',
  dependsOn: ['users', 'sessions', 'otp'],
  build(kernel, peers) {
    const mfa = new MfaService({
      dataSource: kernel.db,
      kv: kernel.kv,
      challenges: peers.of<OtpProvides>('otp').challenges,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      users: peers.of<UsersProvides>('users').users,
      audit: kernel.audit,
      notices: kernel.notices,
      hmacKey: kernel.keys.hmacKey,
      previousHmacKey: kernel.keys.previousHmacKey,
      limits: kernel.limits,
      productName: kernel.config.productName,
      reauthMaxAgeSeconds: kernel.config.reauthMaxAgeSeconds,
      now: kernel.clock.now,
    });
    const provides: MfaProvides = { mfa };
    return {
      provides,
      instances: [mfa, new MfaResolver(mfa), new MfaUserFieldsResolver(mfa)],
      hooks: { signInGates: [mfa.gate], codePurposes: mfa.codePurposes(), exportSections: { mfaFactors: exportMfaFactors } },
    };
  },
  entities: [MfaFactorEntity, RecoveryCodeEntity],
  resolvers: [MfaResolver, MfaUserFieldsResolver],
  jobs: mfaRetentionJobs,
  ...mfaDeclarations,
};
