import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { OtpChallengeEntity, type OtpChannelValue, type OtpPurposeValue } from './otp-challenge.entity';
import { OtpChannel, OtpPurpose } from './otp.enums';
import type { AuthChallengeType } from './auth-challenge.type';
import type { UsersService } from '../users/users.service';
import { maskEmail, maskPhone, normalizeEmail, normalizePhone } from '../users/identifiers';
import type { IssuedSession, SessionsService } from '../sessions/sessions.service';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { KvStore } from '../../store/kv-store';
import type { Mailer } from '../../mail/mailer';
import type { SmsSender } from '../../sms/sms-sender';
import type { IdentifierLimits } from '../rate-limits/identifier-limits';
import type { SmsPolicy } from '../rate-limits/sms-policy';
import type { SendTiming } from '../../mail/send-timing';
import { codeText } from '../../mail/templates/templates';
import { generateOtpCode, hashOtpCode } from '../../crypto/otp-code';
import { constantTimeEqual, isUuid } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../../http/request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';

export interface StartChallenge {
  userId: string | null;
  channel: OtpChannelValue;
  purpose: OtpPurposeValue;
  destination: string;
  /** A decoy answers like a real challenge but no code can ever satisfy it (unknown accounts). */
  decoy?: boolean;
  ttlSeconds?: number;
}

export interface OtpServiceDeps {
  dataSource: DataSource;
  kv: KvStore;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  mailer: Mailer;
  sms: SmsSender;
  timing: SendTiming;
  /** Sends and code checks per email or phone (RATE_LIMIT_SENDS_PER_HOUR, RATE_LIMIT_CODE_CHECKS_PER_HOUR). */
  identifierLimits: IdentifierLimits;
  /** Country allowlist and caps before any text. */
  smsPolicy: SmsPolicy;
  hmacKey: Buffer;
  limits: Readonly<Limits>;
  productName: string;
  now: () => Date;
}

/** Attempt counters outlive any challenge: a resend never resets a challenge's budget. */
const ATTEMPTS_TTL_SECONDS = 24 * 3600;

/** SendTiming kind for emailed LOGIN codes (real sends and unknown-email decoys). */
const TIMING_KIND = 'otp-email';
/** SendTiming kind for resent email codes (the mail alone: the rest of a resend is the same for decoys). */
const RESEND_TIMING_KIND = 'otp-email-resend';

/** One-time codes: issue, deliver, resend, verify (attempt-limited, single use). */
export class OtpService {
  constructor(private readonly deps: OtpServiceDeps) {}

  private attemptsKey(id: string): string {
    return `otp:{${id}}:attempts`;
  }

  private cooldownKey(id: string): string {
    return `otp:{${id}}:cooldown`;
  }

  /** Creates a challenge inside the caller's transaction and starts its resend cooldown. The code is returned for delivery. */
  async start(em: EntityManager, params: StartChallenge): Promise<{ challenge: OtpChallengeEntity; code: string | null }> {
    await this.deps.identifierLimits.countSend(params.destination);
    const now = this.deps.now();
    const id = randomUUID();
    const code = params.decoy ? null : generateOtpCode(this.deps.limits.otpLength);
    const challenge = em.create(OtpChallengeEntity, {
      id,
      userId: params.userId,
      channel: params.channel,
      purpose: params.purpose,
      destination: params.destination,
      codeHash: code ? hashOtpCode(this.deps.hmacKey, id, code) : null,
      expiresAt: new Date(now.getTime() + (params.ttlSeconds ?? this.deps.limits.otpTtlSeconds) * 1000),
      consumedAt: null,
      sendCount: 1,
      lastSentAt: now,
    });
    await em.insert(OtpChallengeEntity, challenge);
    await this.deps.kv.increment(this.cooldownKey(id), this.deps.limits.otpResendCooldownSeconds);
    return { challenge, code };
  }

  /** Sends a SIGNUP or LOGIN code by the challenge's channel. */
  async deliver(challenge: OtpChallengeEntity, code: string): Promise<void> {
    if (challenge.channel === 'SMS') {
      await this.deps.smsPolicy.beforeSend(challenge.destination);
      const minutes = Math.max(1, Math.round((challenge.expiresAt.getTime() - this.deps.now().getTime()) / 60_000));
      await this.deps.sms.send({ to: challenge.destination, body: codeText(this.deps.productName, code, minutes) });
    } else {
      await this.deps.mailer.sendCode(challenge.destination, challenge.purpose, code, challenge.expiresAt);
    }
  }

  toChallengeType(challenge: OtpChallengeEntity): AuthChallengeType {
    return {
      challengeId: challenge.id,
      channel: challenge.channel as OtpChannel,
      purpose: challenge.purpose as OtpPurpose,
      destination: challenge.channel === 'SMS' ? maskPhone(challenge.destination) : maskEmail(challenge.destination),
      expiresAt: challenge.expiresAt,
      resendAvailableAt: new Date(challenge.lastSentAt.getTime() + this.deps.limits.otpResendCooldownSeconds * 1000),
    };
  }

  /**
   * Passwordless: a LOGIN code by SMS (any valid phone; an unknown one gets its account at verifyOtp) or by
   * email (known accounts only). An unknown email gets a decoy challenge that no code can satisfy and no mail:
   * same answer, about the same time. Nothing is mailed to an address that has no account, so this mutation
   * cannot be used to send mail from us to strangers (signup tells a known owner; see PasswordService).
   */
  async requestOtp(input: { email?: string | null; phone?: string | null }, meta: RequestMeta): Promise<AuthChallengeType> {
    const given = (v: unknown) => v !== null && v !== undefined && v !== '';
    const hasEmail = given(input.email);
    const hasPhone = given(input.phone);
    if (hasEmail === hasPhone) throw WardenError.badInput('Give exactly one of email or phone.');
    return hasPhone ? this.requestBySms(normalizePhone(input.phone), meta) : this.requestByEmail(normalizeEmail(input.email), meta);
  }

  private async requestBySms(phone: string, meta: RequestMeta): Promise<AuthChallengeType> {
    let userId: string | null = null;
    try {
      return await withTransaction(this.deps.dataSource, async (em) => {
        const user = await this.deps.users.findByPhone(em, phone);
        userId = user?.id ?? null;
        const { challenge, code } = await this.start(em, { userId, channel: 'SMS', purpose: 'LOGIN', destination: phone });
        await this.deps.audit.record(em, {
          event: AuditEvents.otpSent,
          userId,
          meta,
          data: { challengeId: challenge.id, channel: 'SMS', purpose: 'LOGIN', newAccount: user === null },
        });
        // Sent last, inside the transaction: if Twilio refuses, no challenge is kept.
        await this.deliver(challenge, code!);
        return this.toChallengeType(challenge);
      });
    } catch (error) {
      await this.deps.audit.recordDeliveryFailure(error, { flow: 'otp', channel: 'SMS', userId, meta });
      throw error;
    }
  }

  private async requestByEmail(email: string, meta: RequestMeta): Promise<AuthChallengeType> {
    const user = await this.deps.users.findByEmail(this.deps.dataSource.manager, email);
    if (!user) {
      return this.deps.timing.pad(TIMING_KIND, () =>
        withTransaction(this.deps.dataSource, async (em) => {
          const { challenge } = await this.start(em, { userId: null, channel: 'EMAIL', purpose: 'LOGIN', destination: email, decoy: true });
          await this.deps.audit.record(em, {
            event: AuditEvents.otpRequested,
            outcome: 'failure',
            meta,
            data: { challengeId: challenge.id, channel: 'EMAIL', purpose: 'LOGIN', reason: 'unknown_email' },
          });
          return this.toChallengeType(challenge);
        }),
      );
    }
    try {
      return await this.deps.timing.measure(TIMING_KIND, () =>
        withTransaction(this.deps.dataSource, async (em) => {
          const { challenge, code } = await this.start(em, { userId: user.id, channel: 'EMAIL', purpose: 'LOGIN', destination: email });
          await this.deps.audit.record(em, { event: AuditEvents.otpSent, userId: user.id, meta, data: { challengeId: challenge.id, channel: 'EMAIL', purpose: 'LOGIN' } });
          await this.deliver(challenge, code!);
          return this.toChallengeType(challenge);
        }),
      );
    } catch (error) {
      await this.deps.audit.recordDeliveryFailure(error, { flow: 'otp', channel: 'EMAIL', userId: user.id, meta });
      throw error;
    }
  }

  private async loadLive(em: EntityManager, challengeId: string, lock: boolean): Promise<OtpChallengeEntity> {
    if (!isUuid(challengeId)) throw WardenError.badInput('challengeId is not valid.', 'challengeId');
    const challenge = await em.findOne(OtpChallengeEntity, {
      where: { id: challengeId },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!challenge || challenge.consumedAt || challenge.expiresAt <= this.deps.now()) throw new WardenError('OTP_EXPIRED');
    return challenge;
  }

  /** A fresh code for a live challenge once its cooldown is over. The attempt budget carries over. */
  async resend(challengeId: string, meta: RequestMeta): Promise<AuthChallengeType> {
    let cooldownTaken: string | null = null;
    let failed: { userId: string | null; channel: OtpChannelValue } | null = null;
    try {
      return await withTransaction(this.deps.dataSource, async (em) => {
        const challenge = await this.loadLive(em, challengeId, true);
        failed = { userId: challenge.userId, channel: challenge.channel };
        if (challenge.sendCount >= this.deps.limits.otpMaxSends) {
          throw WardenError.rateLimited((challenge.expiresAt.getTime() - this.deps.now().getTime()) / 1000);
        }
        const cooldown = await this.deps.kv.increment(this.cooldownKey(challenge.id), this.deps.limits.otpResendCooldownSeconds);
        if (cooldown.value > 1) throw WardenError.rateLimited(cooldown.ttlSeconds);
        await this.deps.identifierLimits.countSend(challenge.destination);
        cooldownTaken = this.cooldownKey(challenge.id);
        const now = this.deps.now();
        const code = challenge.codeHash ? generateOtpCode(this.deps.limits.otpLength) : null;
        challenge.codeHash = code ? hashOtpCode(this.deps.hmacKey, challenge.id, code) : null;
        challenge.sendCount += 1;
        challenge.lastSentAt = now;
        // A reset code keeps its first deadline: it travels with a reset link that expires then.
        if (challenge.purpose !== 'PASSWORD_RESET') challenge.expiresAt = new Date(now.getTime() + this.deps.limits.otpTtlSeconds * 1000);
        await em.update(
          OtpChallengeEntity,
          { id: challenge.id },
          { codeHash: challenge.codeHash, sendCount: challenge.sendCount, lastSentAt: now, expiresAt: challenge.expiresAt },
        );
        await this.deps.audit.record(em, {
          event: AuditEvents.otpResent,
          outcome: code ? 'success' : 'failure',
          userId: challenge.userId,
          meta,
          data: { challengeId: challenge.id, channel: challenge.channel, purpose: challenge.purpose, ...(code ? {} : { reason: 'decoy' }) },
        });
        if (code && challenge.channel === 'EMAIL') await this.deps.timing.measure(RESEND_TIMING_KIND, () => this.deliver(challenge, code));
        else if (code) await this.deliver(challenge, code);
        // A decoy (unknown email) resends nothing but takes as long, and fails alike while SMTP refuses.
        else await this.deps.timing.imitateSend(RESEND_TIMING_KIND);
        return this.toChallengeType(challenge);
      });
    } catch (error) {
      if (failed && cooldownTaken) {
        const { userId, channel } = failed as { userId: string | null; channel: OtpChannelValue };
        await this.deps.audit.recordDeliveryFailure(error, { flow: 'otp_resend', channel, userId, meta });
        // The send did not happen and the update rolled back: let the user try again at once.
        await this.deps.kv.delete(cooldownTaken).catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * Counts the attempt first (so parallel guesses cannot exceed the budget), then compares in constant time.
   * Returns the challenge when the code is right; throws INVALID_OTP / OTP_EXPIRED otherwise.
   * Does not consume: the caller consumes inside its own transaction with consume().
   */
  async check(challengeId: string, code: string, purposes: readonly OtpPurposeValue[], meta: RequestMeta): Promise<OtpChallengeEntity> {
    if (typeof code !== 'string' || !new RegExp(`^\\d{${this.deps.limits.otpLength}}$`).test(code.trim())) {
      throw WardenError.badInput(`The code is ${this.deps.limits.otpLength} digits.`, 'code');
    }
    let challenge: OtpChallengeEntity;
    try {
      challenge = await this.loadLive(this.deps.dataSource.manager, challengeId, false);
    } catch (error) {
      if (error instanceof WardenError && error.code === 'OTP_EXPIRED') {
        await this.deps.audit.recordAlone({ event: AuditEvents.otpFailed, outcome: 'failure', meta, data: { challengeId, reason: 'expired_or_used' } });
      }
      throw error;
    }
    if (!purposes.includes(challenge.purpose)) {
      throw WardenError.badInput(
        challenge.purpose === 'PASSWORD_RESET' ? 'Use resetPassword with a password-reset code.' : 'This code is not for this operation.',
        'challengeId',
      );
    }
    const max = this.deps.limits.otpMaxAttempts;
    const attempts = await this.deps.kv.increment(this.attemptsKey(challenge.id), ATTEMPTS_TTL_SECONDS);
    if (attempts.value > max) {
      await this.deps.audit.recordAlone({ event: AuditEvents.otpFailed, outcome: 'failure', userId: challenge.userId, meta, data: { challengeId: challenge.id, reason: 'locked' } });
      throw new WardenError('OTP_EXPIRED', { message: 'Too many wrong codes. Request a new one.' });
    }
    await this.deps.identifierLimits.countCheck(challenge.destination);
    const expected = challenge.codeHash ?? hashOtpCode(this.deps.hmacKey, challenge.id, 'decoy-never-matches');
    const ok = constantTimeEqual(expected, hashOtpCode(this.deps.hmacKey, challenge.id, code.trim())) && challenge.codeHash !== null;
    if (!ok) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.otpFailed,
        outcome: 'failure',
        userId: challenge.userId,
        meta,
        data: { challengeId: challenge.id, channel: challenge.channel, purpose: challenge.purpose, reason: 'wrong_code', attempt: attempts.value },
      });
      throw new WardenError('INVALID_OTP', { extensions: { attemptsLeft: Math.max(0, max - attempts.value) } });
    }
    return challenge;
  }

  /** Marks the challenge used. Exactly one of racing callers gets true. */
  async consume(em: EntityManager, challengeId: string): Promise<boolean> {
    const result = await em
      .createQueryBuilder()
      .update(OtpChallengeEntity)
      .set({ consumedAt: this.deps.now() })
      .where('id = :id', { id: challengeId })
      .andWhere('consumed_at IS NULL')
      .andWhere('expires_at > :now', { now: this.deps.now() })
      .execute();
    return result.affected === 1;
  }

  /** verifyOtp: a SIGNUP or LOGIN code signs in; SIGNUP (and any code) marks its email or phone verified. */
  async verify(input: { challengeId: string; code: string }, meta: RequestMeta): Promise<IssuedSession> {
    const challenge = await this.check(input.challengeId, input.code, ['SIGNUP', 'LOGIN'], meta);
    const issued = await withTransaction(this.deps.dataSource, async (em) => {
      if (!(await this.consume(em, challenge.id))) throw new WardenError('OTP_EXPIRED');
      let user = challenge.userId ? await this.deps.users.findById(em, challenge.userId) : null;
      if (!user && challenge.channel === 'SMS') {
        const found = await this.deps.users.findOrCreateByVerifiedPhone(em, challenge.destination);
        user = found.user;
        if (found.created) await this.deps.audit.record(em, { event: AuditEvents.userCreatedFromPhone, userId: user.id, meta });
      }
      if (!user) throw new WardenError('OTP_EXPIRED');
      user = await this.deps.users.markVerified(em, user, challenge.channel);
      await this.deps.audit.record(em, {
        event: AuditEvents.otpVerified,
        userId: user.id,
        meta,
        data: { challengeId: challenge.id, channel: challenge.channel, purpose: challenge.purpose },
      });
      return this.deps.sessions.createSession(em, user, meta, `otp_${challenge.channel.toLowerCase()}`);
    });
    // After commit: the number answered a code we texted, so its texts draw on the verified budget.
    if (challenge.channel === 'SMS') await this.deps.smsPolicy.recordVerified(challenge.destination);
    return issued;
  }
}
