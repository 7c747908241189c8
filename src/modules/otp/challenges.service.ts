import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { OtpChallengeEntity, type OtpChannelValue, type OtpPurposeValue } from './otp-challenge.entity';
import { OtpChannel, OtpPurpose } from './otp.enums';
import type { AuthChallengeType } from './auth-challenge.type';
import { challengeKeys, type ChallengesServiceDeps, type IssueSpec, type StartChallenge } from './challenge-types';
import { ChallengeVerification } from './challenge-verification';
import { maskEmail, maskPhone } from '../users/identifiers';
import type { IssuedSession } from '../sessions/sessions.service';
import type { AuditRecord } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import { codeText, type CodePurpose } from '../../mail/templates/templates';
import { generateOtpCode, hashOtpCode } from '../../crypto/otp-code';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import { assertNoOpenTransaction, withTransaction } from '../../db/transaction';
import { commitThenSend } from '../../db/commit-then-send';
import { realOrDecoy, type KnownAccount } from './real-or-decoy';

export type { ChallengesServiceDeps, IssueSpec, PurposeHandler, PurposeRegistry, StartChallenge, VerifiedContext } from './challenge-types';

/** SendTiming kind for resent email codes (the mail alone: the rest of a resend is the same for decoys). */
const RESEND_TIMING_KIND = 'otp-email-resend';

/**
 * The one-time code primitive every flow builds on: issue (start + commit + deliver + audit, spent again if
 * the delivery fails), check (attempt-limited, constant time), consume (single use), resend, and verify with
 * a handler per purpose (each module's codePurposes hook): new purposes plug in without touching this class.
 */
export class ChallengesService {
  private readonly verification: ChallengeVerification;

  constructor(private readonly deps: ChallengesServiceDeps) {
    this.verification = new ChallengeVerification(deps);
  }

  /**
   * Writes the challenge (and the flow's rows and audit events) in one short transaction, commits, then sends.
   * When the send fails, the challenge and the flow's rows are marked spent and the error (SERVICE_UNAVAILABLE)
   * is rethrown: nothing usable is left behind, and no transaction was open while the provider answered.
   */
  async issue<X = undefined>(spec: IssueSpec<X>): Promise<{ challenge: OtpChallengeEntity; extra: X }> {
    // Country allowlist and caps before anything is written: a refused number leaves no row at all.
    await this.deps.identifierLimits.countSend(spec.destination);
    if (spec.channel === 'SMS') await this.deps.smsPolicy.beforeSend(spec.destination);
    const { challenge, extra } = await commitThenSend(this.deps.dataSource, {
      write: async (em) => {
        const userId = typeof spec.userId === 'function' ? await spec.userId(em) : spec.userId;
        const started = await this.start(em, {
          userId,
          channel: spec.channel,
          purpose: spec.purpose,
          destination: spec.destination,
          ttlSeconds: spec.ttlSeconds,
        });
        const extra = (spec.write ? await spec.write(em, started.challenge) : undefined) as X;
        return { ...started, extra };
      },
      send: async ({ challenge, code, extra }) => {
        await this.startCooldown(challenge.id);
        await (spec.send ? spec.send(challenge, code!, extra) : this.deliver(challenge, code!, true));
      },
      spend: async (em, { challenge, extra }) => {
        await this.spend(em, challenge.id);
        if (spec.spend) await spec.spend(em, challenge, extra);
      },
      // "Sent" is audited (and counted in metrics) only once it is true.
      afterSent: async (em, { challenge, extra }) => {
        await this.deps.audit.recordMany(em, spec.audit(challenge, extra));
        if (spec.afterSent) await spec.afterSent(em, challenge, extra);
      },
    });
    return { challenge, extra };
  }

  /**
   * A decoy challenge (no code can satisfy it, nothing is sent) with its audit rows, in one transaction. It
   * draws on the same limits as a real one: the send count, and for a text the SMS policy (allowlist and caps).
   */
  async issueDecoy(spec: Omit<StartChallenge, 'decoy'> & { audit: (challenge: OtpChallengeEntity) => AuditRecord[] }): Promise<OtpChallengeEntity> {
    await this.deps.identifierLimits.countSend(spec.destination);
    if (spec.channel === 'SMS') await this.deps.smsPolicy.beforeSend(spec.destination);
    const challenge = await withTransaction(this.deps.dataSource, async (em) => {
      const { challenge } = await this.start(em, { ...spec, decoy: true });
      await this.deps.audit.recordMany(em, spec.audit(challenge));
      return challenge;
    });
    await this.startCooldown(challenge.id);
    return challenge;
  }

  /** See realOrDecoy (real-or-decoy.ts): the enumeration-safe skeleton shared by every flow. */
  realOrDecoy<T>(kind: string, known: KnownAccount | null, real: () => Promise<T>, decoy: () => Promise<T>): Promise<T> {
    return realOrDecoy(this.deps, kind, known, real, decoy);
  }

  /**
   * Opens a challenge that sends nothing (channel TOTP: the code comes from an authenticator app) inside the
   * caller's transaction; its purpose handler's checkCode checks codes.
   */
  async open(
    em: EntityManager,
    params: { userId: string; purpose: OtpPurposeValue; firstFactorAmr?: string[] | null; sessionId?: string | null; ttlSeconds?: number },
  ): Promise<OtpChallengeEntity> {
    const now = this.deps.now();
    const challenge = em.create(OtpChallengeEntity, {
      id: randomUUID(),
      userId: params.userId,
      channel: 'TOTP',
      purpose: params.purpose,
      destination: 'authenticator',
      codeHash: null,
      expiresAt: new Date(now.getTime() + (params.ttlSeconds ?? this.deps.limits.otpTtlSeconds) * 1000),
      consumedAt: null,
      sendCount: 1,
      lastSentAt: now,
      firstFactorAmr: params.firstFactorAmr ?? null,
      sessionId: params.sessionId ?? null,
    });
    await em.insert(OtpChallengeEntity, challenge);
    return challenge;
  }

  /** Loads a live challenge (OTP_EXPIRED otherwise) without locking it. */
  loadLiveChallenge(challengeId: string): Promise<OtpChallengeEntity> {
    return this.verification.loadLive(this.deps.dataSource.manager, challengeId, false);
  }

  /** Counts one try against the challenge's OTP_MAX_ATTEMPTS; OTP_EXPIRED once over. Returns the tries left. */
  countAttempt(challenge: OtpChallengeEntity, meta: RequestMeta): Promise<number> {
    return this.verification.countAttempt(challenge, meta);
  }

  /** See ChallengeVerification.check: the challenge when the code is right (not consumed); INVALID_OTP / OTP_EXPIRED otherwise. */
  check(challengeId: string, code: string, purposes: readonly OtpPurposeValue[], meta: RequestMeta): Promise<OtpChallengeEntity> {
    return this.verification.check(challengeId, code, purposes, meta);
  }

  /** Marks the challenge used. Exactly one of racing callers gets true. */
  consume(em: EntityManager, challengeId: string): Promise<boolean> {
    return this.verification.consume(em, challengeId);
  }

  /** See ChallengeVerification.verify: verifyOtp for every registered purpose. */
  verify(input: { challengeId: string; code: string }, meta: RequestMeta): Promise<IssuedSession> {
    return this.verification.verify(input, meta);
  }

  /** Marks a challenge used whatever its state (its delivery failed, or something replaced it). */
  async spend(em: EntityManager, challengeId: string): Promise<void> {
    await em
      .createQueryBuilder()
      .update(OtpChallengeEntity)
      .set({ consumedAt: this.deps.now() })
      .where('id = :id', { id: challengeId })
      .andWhere('consumed_at IS NULL')
      .execute();
  }

  /** Records on a challenge just issued which first factor it finishes (a password login's emailed code: ['pwd']). */
  async setFirstFactorAmr(em: EntityManager, challengeId: string, amr: string[]): Promise<void> {
    await em.update(OtpChallengeEntity, { id: challengeId }, { firstFactorAmr: amr });
  }

  /**
   * Inserts a challenge inside the caller's transaction (database only). The code is returned for delivery.
   * issue() and issueDecoy() count the send before and start the resend cooldown after: no Redis round trip
   * while the transaction is open.
   */
  private async start(em: EntityManager, params: StartChallenge): Promise<{ challenge: OtpChallengeEntity; code: string | null }> {
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
    return { challenge, code };
  }

  private async startCooldown(challengeId: string): Promise<void> {
    await this.deps.kv.increment(challengeKeys.cooldown(challengeId), this.deps.limits.otpResendCooldownSeconds);
  }

  /** Sends a code by the challenge's channel. Never inside a transaction. */
  async deliver(challenge: OtpChallengeEntity, code: string, smsPolicyPassed = false): Promise<void> {
    assertNoOpenTransaction('ChallengesService.deliver');
    if (challenge.channel === 'SMS') {
      if (!smsPolicyPassed) await this.deps.smsPolicy.beforeSend(challenge.destination);
      const minutes = Math.max(1, Math.round((challenge.expiresAt.getTime() - this.deps.now().getTime()) / 60_000));
      await this.deps.sms.send({ to: challenge.destination, body: codeText(this.deps.productName, code, minutes) });
    } else {
      await this.deps.mailer.sendCode(challenge.destination, challenge.purpose as CodePurpose, code, challenge.expiresAt);
    }
  }

  toChallengeType(challenge: OtpChallengeEntity): AuthChallengeType {
    return {
      challengeId: challenge.id,
      channel: challenge.channel as OtpChannel,
      purpose: challenge.purpose as OtpPurpose,
      destination:
        challenge.channel === 'TOTP' ? 'authenticator app' : challenge.channel === 'SMS' ? maskPhone(challenge.destination) : maskEmail(challenge.destination),
      expiresAt: challenge.expiresAt,
      resendAvailableAt: new Date(challenge.lastSentAt.getTime() + this.deps.limits.otpResendCooldownSeconds * 1000),
    };
  }

  /**
   * A fresh code for a live challenge once its cooldown is over. The attempt budget carries over. The new code
   * is written and committed, then sent; when the send fails, the challenge gets its previous code back (the
   * unsent one never works) and the cooldown is lifted so the user can try again at once.
   */
  async resend(challengeId: string, meta: RequestMeta): Promise<AuthChallengeType> {
    let cooldownTaken: string | null = null;
    let failed: { userId: string | null; channel: OtpChannelValue } | null = null;
    try {
      const { challenge, code, previous } = await withTransaction(this.deps.dataSource, async (em) => {
        const challenge = await this.verification.loadLive(em, challengeId, true);
        if (challenge.channel === 'TOTP') throw WardenError.badInput('Nothing is sent for an authenticator code.', 'challengeId');
        failed = { userId: challenge.userId, channel: challenge.channel };
        if (challenge.sendCount >= this.deps.limits.otpMaxSends) {
          throw WardenError.rateLimited((challenge.expiresAt.getTime() - this.deps.now().getTime()) / 1000);
        }
        const cooldown = await this.deps.kv.increment(challengeKeys.cooldown(challenge.id), this.deps.limits.otpResendCooldownSeconds);
        if (cooldown.value > 1) throw WardenError.rateLimited(cooldown.ttlSeconds);
        await this.deps.identifierLimits.countSend(challenge.destination);
        cooldownTaken = challengeKeys.cooldown(challenge.id);
        const previous = { codeHash: challenge.codeHash, sendCount: challenge.sendCount, lastSentAt: challenge.lastSentAt, expiresAt: challenge.expiresAt };
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
        return { challenge, code, previous };
      });
      try {
        if (code && challenge.channel === 'EMAIL') await this.deps.timing.measure(RESEND_TIMING_KIND, () => this.deliver(challenge, code));
        else if (code) await this.deliver(challenge, code);
        // A decoy text (a taken number) resends nothing but passes the same SMS policy a real text would.
        else if (challenge.channel === 'SMS') await this.deps.smsPolicy.beforeSend(challenge.destination);
        // A decoy (unknown email) resends nothing but takes as long, and fails alike while SMTP refuses.
        else await this.deps.timing.imitateSend(RESEND_TIMING_KIND);
      } catch (error) {
        // The unsent code must never work: the challenge gets back the code that was delivered before.
        if (code) {
          await this.deps.dataSource.manager
            .update(OtpChallengeEntity, { id: challenge.id, codeHash: challenge.codeHash! }, previous)
            .catch(() => this.spend(this.deps.dataSource.manager, challenge.id).catch(() => undefined));
        }
        throw error;
      }
      return this.toChallengeType(challenge);
    } catch (error) {
      if (failed && cooldownTaken) {
        const { userId, channel } = failed as { userId: string | null; channel: OtpChannelValue };
        await this.deps.audit.recordDeliveryFailure(error, { flow: 'otp_resend', channel: channel === 'SMS' ? 'SMS' : 'EMAIL', userId, meta });
        // The send did not happen: let the user try again at once.
        await this.deps.kv.delete(cooldownTaken).catch(() => undefined);
      }
      throw error;
    }
  }
}
