import { otpRetentionJobs } from './otp.retention';
import type { WardenModule } from '../module';
import { OtpChallengeEntity } from './otp-challenge.entity';
import { OtpResolver } from './otp.resolver';
import { otpDeclarations } from './otp.declarations';

/** One-time codes by email and SMS: passwordless sign-in and email verification. */
export const otpModule: WardenModule = {
  name: 'otp',
  entities: [OtpChallengeEntity],
  resolvers: [OtpResolver],
  jobs: otpRetentionJobs,
  ...otpDeclarations,
};
