import { otpRetentionJobs } from './otp.retention';
import type { WardenModule } from '../module';
import { OtpChallengeEntity } from './otp-challenge.entity';
import { OtpResolver } from './otp.resolver';
import { otpDeclarations } from './otp.declarations';

// What other modules use (challenges: issue, check, consume, void). They import the files themselves: importing this
// index would close a cycle.
export { OtpService } from './otp.service';
export { ChallengesService } from './challenges.service';
export type * from './challenge-types';

/** One-time codes by email and SMS: passwordless sign-in and email verification. */
export const otpModule: WardenModule = {
  name: 'otp',
  entities: [OtpChallengeEntity],
  resolvers: [OtpResolver],
  jobs: otpRetentionJobs,
  ...otpDeclarations,
};

// Challenge rows as other modules reach them (module tables are private: no other module imports otp-challenge.entity.ts).
export { setChallengeSession, spendOutstandingCodes, spendSessionChallenges, type OtpChallenge } from './challenge-rows';
