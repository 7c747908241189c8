import { otpRetentionJobs } from './otp.retention';
import type { WardenModule } from '../module';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { RateLimitsProvides } from '../rate-limits';
import { OtpChallengeEntity } from './otp-challenge.entity';
import { OtpResolver } from './otp.resolver';
import { otpDeclarations } from './otp.declarations';
import { OtpService } from './otp.service';
import type { ChallengesService } from './challenges.service';
import { spendOutstandingCodes } from './challenge-rows';

/** What the otp module provides its dependents. */
export interface OtpProvides {
  otp: OtpService;
  /** The one-time code primitive every flow builds on (issue, check, open, verify by purpose). */
  challenges: ChallengesService;
}

// What other modules use (challenges: issue, check, consume, void). They import the files themselves: importing this
// index would close a cycle.
export { OtpService } from './otp.service';
export { ChallengesService } from './challenges.service';
export type * from './challenge-types';

/** One-time codes by email and SMS: passwordless sign-in and email verification. */
export const otpModule: WardenModule = {
  name: 'otp',
  dependsOn: ['users', 'sessions', 'rate-limits'],
  build(kernel, peers) {
    const { users } = peers.of<UsersProvides>('users');
    const { sessions } = peers.of<SessionsProvides>('sessions');
    const { identifierLimits, smsPolicy } = peers.of<RateLimitsProvides>('rate-limits');
    const otp = new OtpService({
      dataSource: kernel.db,
      kv: kernel.kv,
      users,
      sessions,
      audit: kernel.audit,
      mailer: kernel.mailer,
      sms: kernel.sms,
      timing: kernel.timing,
      identifierLimits,
      smsPolicy,
      hmacKey: kernel.keys.hmacKey,
      previousHmacKey: kernel.keys.previousHmacKey,
      limits: kernel.limits,
      productName: kernel.config.productName,
      now: kernel.clock.now,
      // Every module's code purposes (its own SIGNUP and LOGIN among them), read at each verify.
      purposes: kernel.hooks,
    });
    const provides: OtpProvides = { otp, challenges: otp.challenges };
    return {
      provides,
      instances: [otp, new OtpResolver(otp)],
      hooks: { codePurposes: otp.codePurposes(), waysIn: [{ voidOutstanding: (em, userId) => spendOutstandingCodes(em, userId, kernel.clock.now()) }] },
    };
  },
  entities: [OtpChallengeEntity],
  resolvers: [OtpResolver],
  jobs: otpRetentionJobs,
  ...otpDeclarations,
};

// Challenge rows as other modules reach them (module tables are private: no other module imports otp-challenge.entity.ts).
export { setChallengeSession, spendOutstandingCodes, spendSessionChallenges, type OtpChallenge } from './challenge-rows';
