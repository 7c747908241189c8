import type { DataSource, EntityManager } from 'typeorm';
import { PasswordResetTokenEntity } from './password-reset-token.entity';
import type { UsersService } from '../users/users.service';
import { normalizeEmail } from '../users/identifiers';
import type { OtpService } from '../otp/otp.service';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import { OtpChallengeEntity } from '../otp/otp-challenge.entity';
import type { PasswordService } from '../password/password.service';
import type { IssuedSession, SessionsService } from '../sessions/sessions.service';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { Mailer } from '../../mail/mailer';
import type { SendTiming } from '../../mail/send-timing';
import { constantTimeEqual, createSecretToken, keyedHash, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../../http/request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';
import type { LoginLockout } from '../rate-limits/login-lockout';

export interface PasswordResetServiceDeps {
  dataSource: DataSource;
  users: UsersService;
  otp: OtpService;
  passwords: PasswordService;
  sessions: SessionsService;
  audit: AuditService;
  mailer: Mailer;
  timing: SendTiming;
  /** A completed reset lifts the email's password-login lockout. */
  lockout: LoginLockout;
  hmacKey: Buffer;
  limits: Readonly<Limits>;
  appUrl: string;
  passwordResetPath: string;
  now: () => Date;
}

const PURPOSE = 'password-reset';

/** Password reset by emailed code or link (one mail carries both; using either uses both). */
export class PasswordResetService {
  constructor(private readonly deps: PasswordResetServiceDeps) {}

  linkFor(token: string): string {
    const url = new URL(this.deps.passwordResetPath, this.deps.appUrl + '/');
    url.searchParams.set('token', token);
    return url.toString();
  }

  /** Same answer for unknown emails: a decoy challenge, after about the time a real mail takes. */
  async request(input: { email: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    const email = normalizeEmail(input.email);
    const ttlSeconds = this.deps.limits.passwordResetTtlSeconds;
    return withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.deps.users.findByEmail(em, email);
      if (!user) {
        const { challenge } = await this.deps.otp.start(em, { userId: null, channel: 'EMAIL', purpose: 'PASSWORD_RESET', destination: email, decoy: true, ttlSeconds });
        await this.deps.audit.record(em, { event: AuditEvents.passwordResetRequested, outcome: 'failure', meta, data: { reason: 'unknown_email' } });
        await this.deps.timing.imitate();
        return this.deps.otp.toChallengeType(challenge);
      }
      await this.invalidateOutstanding(em, user.id);
      const { challenge, code } = await this.deps.otp.start(em, { userId: user.id, channel: 'EMAIL', purpose: 'PASSWORD_RESET', destination: email, ttlSeconds });
      const token = createSecretToken();
      await em.insert(PasswordResetTokenEntity, {
        id: token.id,
        userId: user.id,
        challengeId: challenge.id,
        secretHash: keyedHash(this.deps.hmacKey, PURPOSE, token.secret),
        expiresAt: challenge.expiresAt,
        consumedAt: null,
      });
      await this.deps.audit.record(em, { event: AuditEvents.passwordResetSent, userId: user.id, meta, data: { challengeId: challenge.id } });
      await this.deps.timing.measure(() => this.deps.mailer.sendPasswordReset(email, code!, this.linkFor(token.token), challenge.expiresAt));
      return this.deps.otp.toChallengeType(challenge);
    });
  }

  /** A newer reset request voids older unused codes and links. */
  private async invalidateOutstanding(em: EntityManager, userId: string): Promise<void> {
    const now = this.deps.now();
    await em.createQueryBuilder().update(PasswordResetTokenEntity).set({ consumedAt: now }).where('user_id = :userId', { userId }).andWhere('consumed_at IS NULL').execute();
    await em
      .createQueryBuilder()
      .update(OtpChallengeEntity)
      .set({ consumedAt: now })
      .where('user_id = :userId', { userId })
      .andWhere("purpose = 'PASSWORD_RESET'")
      .andWhere('consumed_at IS NULL')
      .execute();
  }

  /** Sets the new password, revokes every session, mails a notice, signs in. All or nothing. */
  async reset(
    input: { challengeId?: string | null; code?: string | null; token?: string | null; newPassword: string },
    meta: RequestMeta,
  ): Promise<IssuedSession> {
    const byCode = !!(input.challengeId || input.code);
    const byToken = !!input.token;
    if (byCode === byToken) throw WardenError.badInput('Give either challengeId and code, or token.');
    if (byCode && !(input.challengeId && input.code)) throw WardenError.badInput('challengeId and code go together.');
    const passwordHash = await this.deps.passwords.hashNewPassword(input.newPassword, 'newPassword');

    let challengeId: string | null = null;
    let tokenId: string | null = null;
    if (byCode) {
      challengeId = (await this.deps.otp.check(input.challengeId!, input.code!, ['PASSWORD_RESET'], meta)).id;
    } else {
      const parsed = parseSecretToken(input.token);
      if (!parsed) throw new WardenError('INVALID_TOKEN');
      tokenId = parsed.id;
      const row = await this.deps.dataSource.manager.findOne(PasswordResetTokenEntity, { where: { id: parsed.id } });
      if (!row || !constantTimeEqual(row.secretHash, keyedHash(this.deps.hmacKey, PURPOSE, parsed.secret))) {
        await this.deps.audit.recordAlone({ event: AuditEvents.passwordResetFailed, outcome: 'failure', meta, data: { tokenId: parsed.id } });
        throw new WardenError('INVALID_TOKEN');
      }
    }

    return withTransaction(this.deps.dataSource, async (em) => {
      const now = this.deps.now();
      const consumed = await em
        .createQueryBuilder()
        .update(PasswordResetTokenEntity)
        .set({ consumedAt: now })
        .where(tokenId ? 'id = :tokenId' : 'challenge_id = :challengeId', { tokenId, challengeId })
        .andWhere('consumed_at IS NULL')
        .andWhere('expires_at > :now', { now })
        .returning(['user_id', 'challenge_id'])
        .execute();
      const raw = (consumed.raw as { user_id: string; challenge_id: string | null }[])[0];
      if (!raw) throw tokenId ? new WardenError('INVALID_TOKEN') : new WardenError('OTP_EXPIRED');
      const linkedChallenge = challengeId ?? raw.challenge_id;
      if (linkedChallenge && !(await this.deps.otp.consume(em, linkedChallenge)) && challengeId) throw new WardenError('OTP_EXPIRED');
      let user = await this.deps.users.findById(em, raw.user_id);
      if (!user?.email) throw new WardenError('INVALID_TOKEN');
      await this.deps.passwords.setPassword(em, user.id, passwordHash);
      user = await this.deps.users.markVerified(em, user, 'EMAIL');
      const revoked = await this.deps.sessions.revokeAllInTransaction(em, user.id, 'password_reset', meta);
      await this.deps.audit.record(em, { event: AuditEvents.passwordResetCompleted, userId: user.id, meta, data: { method: tokenId ? 'link' : 'code', sessionsRevoked: revoked } });
      const issued = await this.deps.sessions.createSession(em, user, meta, 'password_reset');
      await this.deps.lockout.clear(user.email!);
      await this.deps.mailer.sendPasswordChanged(user.email!);
      return issued;
    });
  }
}
