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
import type { LoginLockout } from '../rate-limits/login-lockout';
import { constantTimeEqual, createSecretToken, keyedHash, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';

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

/** SendTiming kind: real requests and unknown-email decoys. */
const TIMING_KIND = 'password-reset';

/** Password reset by emailed code or link (one mail carries both; using either uses both). */
export class PasswordResetService {
  constructor(private readonly deps: PasswordResetServiceDeps) {}

  /** APP_URL + PASSWORD_RESET_PATH + ?token=…, from configuration only, never from a request header. */
  linkFor(token: string): string {
    const url = new URL(this.deps.appUrl + this.deps.passwordResetPath);
    url.searchParams.set('token', token);
    return url.toString();
  }

  /**
   * Same answer for known and unknown emails: a challenge. An unknown email gets a decoy challenge that no
   * code can satisfy, and no mail, after about the time a real request takes.
   */
  async request(input: { email: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    const email = normalizeEmail(input.email);
    const ttlSeconds = this.deps.limits.passwordResetTtlSeconds;
    const user = await this.deps.users.findByEmail(this.deps.dataSource.manager, email);
    if (!user) {
      return this.deps.timing.pad(TIMING_KIND, () =>
        withTransaction(this.deps.dataSource, async (em) => {
          const { challenge } = await this.deps.otp.start(em, { userId: null, channel: 'EMAIL', purpose: 'PASSWORD_RESET', destination: email, decoy: true, ttlSeconds });
          await this.deps.audit.record(em, {
            event: AuditEvents.passwordResetRequested,
            outcome: 'failure',
            meta,
            data: { challengeId: challenge.id, reason: 'unknown_email' },
          });
          return this.deps.otp.toChallengeType(challenge);
        }),
      );
    }
    try {
      return await this.deps.timing.measure(TIMING_KIND, () =>
        withTransaction(this.deps.dataSource, async (em) => {
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
          await this.deps.audit.record(em, { event: AuditEvents.passwordResetSent, userId: user.id, meta, data: { challengeId: challenge.id, tokenId: token.id, channel: 'EMAIL', purpose: 'PASSWORD_RESET' } });
          // Sent last, inside the transaction: if SMTP refuses, no code or link is kept.
          await this.deps.mailer.sendPasswordReset(email, code!, this.linkFor(token.token), challenge.expiresAt);
          return this.deps.otp.toChallengeType(challenge);
        }),
      );
    } catch (error) {
      await this.deps.audit.recordDeliveryFailure(error, { flow: 'password_reset', channel: 'EMAIL', userId: user.id, meta });
      throw error;
    }
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

  /**
   * Sets the new password, mails the "password changed" notice, revokes every session, signs in: all in one
   * transaction, so a refused notice (SMTP down) changes nothing and the code or link stays usable. The notice
   * goes out before sessions are revoked because revocation also writes to the key-value store, which a
   * rollback cannot undo.
   */
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
      const row = parsed ? await this.deps.dataSource.manager.findOne(PasswordResetTokenEntity, { where: { id: parsed.id } }) : null;
      if (!parsed || !row || !constantTimeEqual(row.secretHash, keyedHash(this.deps.hmacKey, PURPOSE, parsed.secret))) {
        await this.deps.audit.recordAlone({
          event: AuditEvents.passwordResetFailed,
          outcome: 'failure',
          meta,
          data: { method: 'link', reason: parsed ? 'unknown' : 'malformed', ...(parsed ? { tokenId: parsed.id } : {}) },
        });
        throw new WardenError('INVALID_TOKEN');
      }
      tokenId = parsed.id;
    }

    let userId: string | null = null;
    try {
      return await withTransaction(this.deps.dataSource, async (em) => {
        const now = this.deps.now();
        // The code and the link came in one mail: whichever is used consumes both.
        const consumed = await em
          .createQueryBuilder()
          .update(PasswordResetTokenEntity)
          .set({ consumedAt: now })
          .where(tokenId ? 'id = :tokenId' : 'challenge_id = :challengeId', { tokenId, challengeId })
          .andWhere('consumed_at IS NULL')
          .andWhere('expires_at > :now', { now })
          .returning(['userId', 'challengeId'])
          .execute();
        const raw = (consumed.raw as { user_id: string; challenge_id: string | null }[])[0];
        if (!raw) throw tokenId ? new WardenError('INVALID_TOKEN') : new WardenError('OTP_EXPIRED');
        const linkedChallenge = challengeId ?? raw.challenge_id;
        if (linkedChallenge && !(await this.deps.otp.consume(em, linkedChallenge)) && challengeId) throw new WardenError('OTP_EXPIRED');
        let user = await this.deps.users.findById(em, raw.user_id);
        if (!user?.email) throw tokenId ? new WardenError('INVALID_TOKEN') : new WardenError('OTP_EXPIRED');
        userId = user.id;
        await this.deps.passwords.setPassword(em, user.id, passwordHash);
        user = await this.deps.users.markVerified(em, user, 'EMAIL');
        await this.deps.mailer.sendPasswordChanged(user.email!);
        const revoked = await this.deps.sessions.revokeAllInTransaction(em, user.id, 'password_reset', meta);
        await this.deps.audit.record(em, {
          event: AuditEvents.passwordResetCompleted,
          userId: user.id,
          meta,
          data: { method: tokenId ? 'link' : 'code', sessionsRevoked: revoked, ...(tokenId ? { tokenId } : { challengeId }) },
        });
        const issued = await this.deps.sessions.signIn(em, { user, meta, method: 'password_reset', amr: ['email'] });
        await this.deps.lockout.clear(user.email!);
        return issued;
      });
    } catch (error) {
      if (error instanceof WardenError && (error.code === 'INVALID_TOKEN' || error.code === 'OTP_EXPIRED')) {
        await this.deps.audit.recordAlone({
          event: AuditEvents.passwordResetFailed,
          outcome: 'failure',
          meta,
          data: { method: tokenId ? 'link' : 'code', reason: 'expired_or_used', ...(tokenId ? { tokenId } : { challengeId }) },
        });
      }
      await this.deps.audit.recordDeliveryFailure(error, { flow: 'password_changed_notice', channel: 'EMAIL', userId, meta });
      throw error;
    }
  }
}
