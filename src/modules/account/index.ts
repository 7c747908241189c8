import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { OtpProvides } from '../otp';
import type { PasswordProvides } from '../password';
import type { RateLimitsProvides } from '../rate-limits';
import { AccountResolver } from './account.resolver';
import { AccountUserResolver } from './account-user.resolver';
import { accountRetentionJobs } from './account.retention';
import { AccountService } from './account.service';
import { ContactChangeEntity } from './contact-change.entity';
import { KnownDeviceEntity } from './known-device.entity';
import { accountDeclarations } from './account.declarations';

/**
 * The account lifecycle (issue #12): profile, password, email and phone changes, deletion with recovery,
 * export, security activity, the new-device notice, and erasure after the grace period.
 */
export const accountModule: WardenModule = {
  name: 'account',
  dependsOn: ['users', 'sessions', 'otp', 'password', 'rate-limits'],
  build(kernel, peers) {
    const { config } = kernel;
    const account = new AccountService({
      dataSource: kernel.db,
      kv: kernel.kv,
      users: peers.of<UsersProvides>('users').users,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      challenges: peers.of<OtpProvides>('otp').challenges,
      passwords: peers.of<PasswordProvides>('password').passwords,
      hasher: kernel.hasher,
      audit: kernel.audit,
      mailer: kernel.mailer,
      notices: kernel.notices,
      hooks: kernel.hooks,
      sms: kernel.sms,
      lockout: peers.of<RateLimitsProvides>('rate-limits').lockout,
      hmacKey: kernel.keys.hmacKey,
      previousHmacKey: kernel.keys.previousHmacKey,
      limits: kernel.limits,
      appUrl: config.appUrl,
      productName: config.productName,
      now: kernel.clock.now,
      onBackgroundError: (err) => kernel.logger.warn({ err }, 'account notice failed'),
    });
    return {
      instances: [account, new AccountResolver(account), new AccountUserResolver(account)],
      hooks: {
        codePurposes: account.codePurposes(),
        onSessionsRevoked: [account.onSessionsRevoked],
        onSignedIn: [account.onSignedIn],
        exportSections: account.exportSections(),
      },
    };
  },
  entities: [ContactChangeEntity, KnownDeviceEntity],
  resolvers: [AccountResolver, AccountUserResolver],
  jobs: accountRetentionJobs,
  ...accountDeclarations,
};
