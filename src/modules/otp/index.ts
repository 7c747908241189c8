import { otpRetentionJobs } from './otp.retention';
import type { WardenModule } from '../module';
import { OtpChallengeEntity } from './otp-challenge.entity';
import { OtpResolver } from './otp.resolver';

/** One-time codes by email and SMS: passwordless sign-in and email verification. */
export const otpModule: WardenModule = {
  name: 'otp',
  entities: [OtpChallengeEntity],
  resolvers: [OtpResolver],
  jobs: otpRetentionJobs,
};

// Challenge rows as other modules reach them (module tables are private: no other module imports otp-challenge.entity.ts).
export { setChallengeSession, spendOutstandingCodes, spendSessionChallenges, type OtpChallenge } from './challenge-rows';
