import type { DataSource, EntityManager } from 'typeorm';
import { PasswordResetTokenEntity } from './password-reset-token.entity';
import type { UsersService } from '../users/users.service';
import { lockUser } from '../users/user-rows';
import { normalizeEmail } from '../users/identifiers';
import type { OtpService } from '../otp/otp.service';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import type { PasswordService } from '../password/password.service';
import type { IssuedSession, SessionsService } from '../sessions/sessions.service';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { Mailer } from '../../mail/mailer';
import type { SendTiming } from '../../mail/send-timing';
import type { LoginLockout } from '../rate-limits/login-lockout';
import { createSecretToken, keyedHash, keyedHashMatches, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';
import { spendOutstandingLinks } from '../magic-link/link-rows';
import { spendOutstandingCodes } from '../otp/challenge-rows';

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
  /** WARDEN_SECRET_PREVIOUS: hashes made under it still match (tried only on a miss). */
  previousHmacKey?: Buffer | null;
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
    const found = await this.deps.users.findByEmail(this.deps.dataSource.manager, email);
    // A deleted account (pending erasure) is answered like an unknown email: no reset may change its password.
    const user = found && !found.deletedAt ? found : null;
    const challenges = this.deps.otp.challenges;
    const challenge = await challenges.realOrDecoy(
      TIMING_KIND,
      user ? { userId: user.id, flow: 'password_reset', channel: 'EMAIL', meta } : null,
      async () =>
        (
          await challenges.issue({
            channel: 'EMAIL',
            purpose: 'PASSWORD_RESET',
            destination: email,
            ttlSeconds,
            userId: async (em) => {
              // Requests for one account take turns (the user row's lock), so "newest" is well defined.
              await lockUser(em, user!.id);
              return user!.id;
            },
            write: async (em, challenge) => {
              const token = createSecretToken();
              await em.insert(PasswordResetTokenEntity, {
                id: token.id,
                userId: user!.id,
                challengeId: challenge.id,
                secretHash: keyedHash(this.deps.hmacKey, PURPOSE, token.secret),
                expiresAt: challenge.expiresAt,
                consumedAt: null,
              });
              return token;
            },
            audit: (c, token) => [
              {
                event: AuditEvents.passwordResetSent,
                userId: user!.id,
                meta,
                data: { challengeId: c.id, tokenId: token.id, channel: 'EMAIL', purpose: 'PASSWORD_RESET' },
              },
            ],
            send: (c, code, token) => this.deps.mailer.sendPasswordReset(email, code, this.linkFor(token.token), c.expiresAt),
            // Not delivered: the link goes with the code; what was sent before stays as it was.
            spend: async (em, _c, token) => {
              await em
                .createQueryBuilder()
                .update(PasswordResetTokenEntity)
                .set({ consumedAt: this.deps.now() })
                .where('id = :id', { id: token.id })
                .andWhere('consumed_at IS NULL')
                .execute();
            },
            // Delivered: it replaces every older unused reset code and link.
            afterSent: (_em, c, token) => this.voidOtherResets(user!.id, c.id, token.id),
          })
        ).challenge,
      () =>
        challenges.issueDecoy({
          userId: null,
          channel: 'EMAIL',
          purpose: 'PASSWORD_RESET',
          destination: email,
          ttlSeconds,
          audit: (c) => [{ event: AuditEvents.passwordResetRequested, outcome: 'failure', meta, data: { challengeId: c.id, reason: 'unknown_email' } }],
        }),
    );
    return challenges.toChallengeType(challenge);
  }

  /**
   * After a reset mail went out: if its link is still live, every other unused reset code and link of the account
   * is voided. Under the user row's lock, so of concurrent requests exactly one code and link stay live.
   */
  private voidOtherResets(userId: string, challengeId: string, tokenId: string): Promise<void> {
    return withTransaction(this.deps.dataSource, async (em) => {
      await lockUser(em, userId);
      const mine = await em.findOne(PasswordResetTokenEntity, { where: { id: tokenId } });
      if (!mine || mine.consumedAt) return;
      const now = this.deps.now();
      await em
        .createQueryBuilder()
        .update(PasswordResetTokenEntity)
        .set({ consumedAt: now })
        .where('user_id = :userId', { userId })
        .andWhere('id <> :tokenId', { tokenId })
        .andWhere('consumed_at IS NULL')
        .execute();
      await spendOutstandingCodes(em, userId, now, { purpose: 'PASSWORD_RESET', exceptId: challengeId });
    });
  }

  /**
   * A completed reset voids every other way into the account that was outstanding: codes of any purpose
   * (LOGIN, SIGNUP, passwordless, other resets), magic links, reset links. Sessions are revoked separately.
   */
  private async voidAllWaysIn(em: EntityManager, userId: string): Promise<void> {
    const now = this.deps.now();
    await em
      .createQueryBuilder()
      .update(PasswordResetTokenEntity)
      .set({ consumedAt: now })
      .where('user_id = :userId', { userId })
      .andWhere('consumed_at IS NULL')
      .execute();
    await spendOutstandingLinks(em, userId, now);
    await spendOutstandingCodes(em, userId, now);
  }

  /**
   * Checks the code or link first (a wrong one costs no password hash), hashes the new password, then in one
   * transaction: consumes the code and link, sets the password, voids every other outstanding code and link,
   * revokes every session, signs in. After COMMIT, the "password changed" notice: if it cannot be sent the reset
   * still stands (it went to the mailbox that just proved itself) and a delivery.failed audit row says so.
   */
  async reset(
    input: { challengeId?: string | null; code?: string | null; token?: string | null; newPassword: string },
    meta: RequestMeta,
  ): Promise<IssuedSession> {
    const byCode = !!(input.challengeId || input.code);
    const byToken = !!input.token;
    if (byCode === byToken) throw WardenError.badInput('Give either challengeId and code, or token.');
    if (byCode && !(input.challengeId && input.code)) throw WardenError.badInput('challengeId and code go together.');
    const newPassword = await this.deps.passwords.checkNewPassword(input.newPassword, 'newPassword');

    let challengeId: string | null = null;
    let tokenId: string | null = null;
    if (byCode) {
      challengeId = (await this.deps.otp.challenges.check(input.challengeId!, input.code!, ['PASSWORD_RESET'], meta)).id;
    } else {
      const parsed = parseSecretToken(input.token);
      const row = parsed ? await this.deps.dataSource.manager.findOne(PasswordResetTokenEntity, { where: { id: parsed.id } }) : null;
      if (!parsed || !row || !keyedHashMatches(row.secretHash, this.deps.hmacKey, this.deps.previousHmacKey, PURPOSE, parsed.secret)) {
        await this.deps.audit.recordAlone({
          event: AuditEvents.passwordResetFailed,
          outcome: 'failure',
          meta,
          data: { method: 'link', reason: parsed ? 'unknown' : 'malformed', ...(parsed ? { tokenId: parsed.id } : {}) },
        });
        throw new WardenError('INVALID_TOKEN');
      }
      tokenId = parsed.id;
      if (row.consumedAt || row.expiresAt <= this.deps.now()) {
        await this.deps.audit.recordAlone({
          event: AuditEvents.passwordResetFailed,
          outcome: 'failure',
          meta,
          data: { method: 'link', reason: 'expired_or_used', tokenId },
        });
        throw new WardenError('INVALID_TOKEN');
      }
    }

    let userId: string | null = null;
    try {
      const passwordHash = await this.deps.passwords.hashCheckedPassword(newPassword, 'newPassword');
      const issued = await withTransaction(this.deps.dataSource, async (em) => {
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
        if (linkedChallenge && !(await this.deps.otp.challenges.consume(em, linkedChallenge)) && challengeId) throw new WardenError('OTP_EXPIRED');
        let user = await this.deps.users.findById(em, raw.user_id);
        if (!user?.email) throw tokenId ? new WardenError('INVALID_TOKEN') : new WardenError('OTP_EXPIRED');
        await this.deps.passwords.setPassword(em, user.id, passwordHash);
        user = await this.deps.users.markVerified(em, user, 'EMAIL');
        await this.voidAllWaysIn(em, user.id);
        const revoked = await this.deps.sessions.revokeAllInTransaction(em, user.id, 'password_reset', meta);
        await this.deps.audit.record(em, {
          event: AuditEvents.passwordResetCompleted,
          userId: user.id,
          meta,
          data: { method: tokenId ? 'link' : 'code', sessionsRevoked: revoked, ...(tokenId ? { tokenId } : { challengeId }) },
        });
        const issued = await this.deps.sessions.signIn(em, { user, meta, method: 'password_reset', amr: ['email'] });
        userId = user.id;
        return { issued, email: user.email! };
      });
      await this.deps.lockout.clear(issued.email);
      try {
        await this.deps.mailer.sendPasswordChanged(issued.email);
      } catch (error) {
        await this.deps.audit.recordDeliveryFailure(error, { flow: 'password_changed_notice', channel: 'EMAIL', userId, meta });
      }
      return issued.issued;
    } catch (error) {
      if (error instanceof WardenError && (error.code === 'INVALID_TOKEN' || error.code === 'OTP_EXPIRED')) {
        await this.deps.audit.recordAlone({
          event: AuditEvents.passwordResetFailed,
          outcome: 'failure',
          meta,
          data: { method: tokenId ? 'link' : 'code', reason: 'expired_or_used', ...(tokenId ? { tokenId } : { challengeId }) },
        });
      }
      throw error;
    }
  }
}
