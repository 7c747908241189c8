import { passwordResetRetentionJobs } from './password-reset.retention';
import type { WardenModule } from '../module';
import { PasswordResetTokenEntity } from './password-reset-token.entity';
import { PasswordResetResolver } from './password-reset.resolver';
import { passwordResetDeclarations } from './password-reset.declarations';

/** Password reset by code or link. */
export const passwordResetModule: WardenModule = {
  name: 'password-reset',
  entities: [PasswordResetTokenEntity],
  resolvers: [PasswordResetResolver],
  jobs: passwordResetRetentionJobs,
  ...passwordResetDeclarations,
};

// Module tables are private: other modules spend resets through this, never through password-reset-token.entity.ts.
export { spendOutstandingResets } from './reset-rows';
