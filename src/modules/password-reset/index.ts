import type { EntityManager } from 'typeorm';
import { spendOutstandingResets } from './reset-rows';
import { passwordResetRetentionJobs } from './password-reset.retention';
import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { OtpProvides } from '../otp';
import type { PasswordProvides } from '../password';
import type { RateLimitsProvides } from '../rate-limits';
import { PasswordResetTokenEntity } from './password-reset-token.entity';
import { PasswordResetResolver } from './password-reset.resolver';
import { passwordResetDeclarations } from './password-reset.declarations';
import { PasswordResetService } from './password-reset.service';

/** Password reset by code or link. */
export const passwordResetModule: WardenModule = {
  name: 'password-reset',
  dependsOn: ['users', 'otp', 'password', 'sessions', 'rate-limits'],
  build(kernel, peers) {
    const { config, clock } = kernel;
    const resets = new PasswordResetService({
      dataSource: kernel.db,
      users: peers.of<UsersProvides>('users').users,
      otp: peers.of<OtpProvides>('otp').otp,
      passwords: peers.of<PasswordProvides>('password').passwords,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      audit: kernel.audit,
      mailer: kernel.mailer,
      timing: kernel.timing,
      lockout: peers.of<RateLimitsProvides>('rate-limits').lockout,
      hmacKey: kernel.keys.hmacKey,
      previousHmacKey: kernel.keys.previousHmacKey,
      limits: kernel.limits,
      appUrl: config.appUrl,
      passwordResetPath: config.passwordResetPath,
      now: clock.now,
    });
    // Its waysIn hook: spends the user's outstanding ones through the same row function other modules use.
    const voidOutstanding = (em: EntityManager, userId: string) => spendOutstandingResets(em, userId, clock.now());
    return { instances: [resets, new PasswordResetResolver(resets)], hooks: { waysIn: [{ voidOutstanding }] } };
  },
  entities: [PasswordResetTokenEntity],
  resolvers: [PasswordResetResolver],
  jobs: passwordResetRetentionJobs,
  ...passwordResetDeclarations,
};
