import type { MaintenanceJob } from './maintenance-job';
import { otpRetentionJobs } from '../modules/otp/otp.retention';
import { magicLinkRetentionJobs } from '../modules/magic-link/magic-link.retention';
import { passwordResetRetentionJobs } from '../modules/password-reset/password-reset.retention';
import { sessionsRetentionJobs } from '../modules/sessions/sessions.retention';
import { auditRetentionJobs } from '../modules/audit/audit.retention';
import { usersRetentionJobs } from '../modules/users/users.retention';

/**
 * Every module's sweeps, in run order. To become `modules.flatMap((m) => m.jobs ?? [])` once each module has
 * its descriptor. Accounts run after the token sweeps so a run's log reads table by table.
 */
export const maintenanceJobs: readonly MaintenanceJob[] = [
  ...otpRetentionJobs,
  ...magicLinkRetentionJobs,
  ...passwordResetRetentionJobs,
  ...sessionsRetentionJobs,
  ...usersRetentionJobs,
  ...auditRetentionJobs,
];
