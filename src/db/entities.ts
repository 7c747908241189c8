import { AuditEventEntity } from '../modules/audit/audit-event.entity';
import { MagicLinkTokenEntity } from '../modules/magic-link/magic-link-token.entity';
import { OtpChallengeEntity } from '../modules/otp/otp-challenge.entity';
import { PasswordCredentialEntity } from '../modules/password/password-credential.entity';
import { PasswordResetTokenEntity } from '../modules/password-reset/password-reset-token.entity';
import { RefreshTokenEntity } from '../modules/sessions/refresh-token.entity';
import { SessionEntity } from '../modules/sessions/session.entity';
import { OrganizationEntity } from '../modules/users/organization.entity';
import { UserEntity } from '../modules/users/user.entity';

export const entities = [
  OrganizationEntity,
  UserEntity,
  PasswordCredentialEntity,
  SessionEntity,
  RefreshTokenEntity,
  OtpChallengeEntity,
  MagicLinkTokenEntity,
  PasswordResetTokenEntity,
  AuditEventEntity,
];
