import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { OtpChallengeEntity, type OtpChannelValue, type OtpPurposeValue } from './otp-challenge.entity';
import { OtpChannel, OtpPurpose } from './otp.enums';
import type { AuthChallengeType } from './auth-challenge.type';
import type { UsersService } from '../users/users.service';
import { maskEmail, maskPhone } from '../users/identifiers';
import type { IssuedSession, SessionsService, SignInPrecondition } from '../sessions/sessions.service';
import type { AuditRecord, AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { KvStore } from '../../store/kv-store';
import type { Mailer } from '../../mail/mailer';
import type { SmsSender } from '../../sms/sms-sender';
import type { IdentifierLimits } from '../rate-limits/identifier-limits';
import type { SmsPolicy } from '../rate-limits/sms-policy';
import type { SendTiming } from '../../mail/send-timing';
import { codeText, type CodePurpose } from '../../mail/templates/templates';
import { generateOtpCode, hashOtpCode, hashOtpCodeMatches } from '../../crypto/otp-code';
import { isUuid } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { RawStatements } from '../../db/raw-statements';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import { assertNoOpenTransaction, withTransaction } from '../../db/transaction';
import { commitThenSend } from '../../db/commit-then-send';
import { realOrDecoy, type KnownAccount } from './real-or-decoy';

export interface StartChallenge {
  userId: string | null;
  channel: OtpChannelValue;
  purpose: OtpPurposeValue;
  destination: string;
  /** A decoy answers like a real challenge but no code can ever satisfy it (unknown accounts). */
  decoy?: boolean;
  ttlSeconds?: number;
}

export interface ChallengesServiceDeps {
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
  /** WARDEN_SECRET_PREVIOUS: hashes made under it still match (tried only on a miss). */
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  productName: string;
  now: () => Date;
  /** Every module's codePurposes hooks (purpose → handler), read at each verify (the app passes kernel.hooks). */
  purposes: PurposeRegistry;
}

/** Where verify() finds the handler of a purpose: every module's codePurposes, one handler per purpose. */
export interface PurposeRegistry {
  codePurpose(purpose: OtpPurposeValue): PurposeHandler | undefined;
  codePurposes(): readonly OtpPurposeValue[];
}

/** Attempt counters outlive any challenge: a resend never resets a challenge's budget. */
const ATTEMPTS_TTL_SECONDS = 24 * 3600;

/** SendTiming kind for resent email codes (the mail alone: the rest of a resend is the same for decoys). */
const RESEND_TIMING_KIND = 'otp-email-resend';

/** What a purpose handler gets when its challenge's code was right and the challenge is now consumed. */
export interface VerifiedContext {
  meta: RequestMeta;
  /** What the purpose's checkCode answered for the right code (e.g. the TOTP factor and time step). */
  checked?: unknown;
}

/**
 * What verifyOtp does with a right code, per purpose. Runs inside the transaction that consumed the challenge
 * (so a failure un-consumes it); must not send mail or SMS (see commitThenSend).
 */
export interface PurposeHandler {
  onVerified(em: EntityManager, challenge: OtpChallengeEntity, ctx: VerifiedContext): Promise<IssuedSession>;
  /**
   * Runs in verify()'s transaction before the challenge is consumed: takes the row locks that onVerified needs
   * and that a revocation takes before it spends the challenge (the user row, then the session). A revocation
   * locks the user (deletion, password change or reset), then the sessions, then spends their pending changes
   * and challenges; consuming the challenge first and waiting for the session after would deadlock with it
   * (an INTERNAL_SERVER_ERROR). Taken in the same order, one waits for the other: a revocation that committed
   * first has spent the challenge (the consume then answers OTP_EXPIRED), one that waited sees it finished.
   */
  lockFirst?(em: EntityManager, challenge: OtpChallengeEntity): Promise<void>;
  /**
   * For challenges whose code is not stored (channel TOTP: an authenticator app): checks the code itself after
   * the challenge's attempt was counted. Answers something truthy (handed to onVerified as ctx.checked) for a
   * right code, null for a wrong one; may throw (e.g. RATE_LIMITED).
   */
  checkCode?(challenge: OtpChallengeEntity, code: string, meta: RequestMeta): Promise<unknown>;
  /** After the commit (mail, SMS, cache invalidation may run here); its failure does not undo the sign-in. */
  afterCommit?(challenge: OtpChallengeEntity, issued: IssuedSession, ctx: VerifiedContext): Promise<void>;
  /**
   * The common case of onVerified in one autocommitted statement that consumes the challenge too (`consume`, the
   * consuming UPDATE for SessionsService.signInOneStatement). null when it signed nobody in and wrote nothing:
   * verify() then takes the general path (consume and onVerified in one transaction), which decides again.
   */
  fastVerify?(challenge: OtpChallengeEntity, ctx: VerifiedContext, consume: SignInPrecondition): Promise<IssuedSession | null>;
}

/** A challenge to issue: who, where, why, plus the flow's own rows and audit events, written in one transaction. */
export interface IssueSpec<X> {
  channel: OtpChannelValue;
  purpose: OtpPurposeValue;
  destination: string;
  ttlSeconds?: number;
  /** The owner, or a function that writes what the challenge needs first (e.g. a new account) and returns it. */
  userId: string | null | ((em: EntityManager) => Promise<string | null>);
  /** More rows in the same transaction (e.g. the reset link that travels with a reset code). */
  write?: (em: EntityManager, challenge: OtpChallengeEntity) => Promise<X>;
  /** Audit rows, written once the message was handed over (a failed send leaves delivery.failed instead). */
  audit: (challenge: OtpChallengeEntity, extra: X) => AuditRecord[];
  /** The message, sent after COMMIT. Default: the code by the challenge's channel (deliver()). */
  send?: (challenge: OtpChallengeEntity, code: string, extra: X) => Promise<void>;
  /** When the send failed, spends the flow's own rows besides the challenge (which is always spent). */
  spend?: (em: EntityManager, challenge: OtpChallengeEntity, extra: X) => Promise<void>;
  /** After a successful send: void what this challenge replaces. */
  afterSent?: (em: EntityManager, challenge: OtpChallengeEntity, extra: X) => Promise<void>;
}

/**
 * The one-time code primitive every flow builds on: issue (start + commit + deliver + audit, spent again if
 * the delivery fails), check (attempt-limited, constant time), consume (single use), resend, and verify with
 * a handler per purpose (each module's codePurposes hook): new purposes plug in without touching this class.
 */
export class ChallengesService {
  private rawStatements: RawStatements | null = null;

  constructor(private readonly deps: ChallengesServiceDeps) {}

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
    return this.loadLive(this.deps.dataSource.manager, challengeId, false);
  }

  /** Counts one try against the challenge's OTP_MAX_ATTEMPTS; OTP_EXPIRED once over. Returns the tries left. */
  async countAttempt(challenge: OtpChallengeEntity, meta: RequestMeta): Promise<number> {
    return this.judgeAttempt(challenge, await this.deps.kv.increment(this.attemptsKey(challenge.id), ATTEMPTS_TTL_SECONDS), meta);
  }

  private async judgeAttempt(challenge: OtpChallengeEntity, attempts: { value: number }, meta: RequestMeta): Promise<number> {
    const max = this.deps.limits.otpMaxAttempts;
    if (attempts.value > max) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.otpFailed,
        outcome: 'failure',
        userId: challenge.userId,
        meta,
        data: { challengeId: challenge.id, reason: 'locked' },
      });
      throw new WardenError('OTP_EXPIRED', { message: 'Too many wrong codes. Request a new one.' });
    }
    return Math.max(0, max - attempts.value);
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

  private attemptsKey(id: string): string {
    return `otp:{${id}}:attempts`;
  }

  private cooldownKey(id: string): string {
    return `otp:{${id}}:cooldown`;
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
    await this.deps.kv.increment(this.cooldownKey(challengeId), this.deps.limits.otpResendCooldownSeconds);
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

  private async loadLive(em: EntityManager, challengeId: string, lock: boolean): Promise<OtpChallengeEntity> {
    if (!isUuid(challengeId)) throw WardenError.badInput('challengeId is not valid.', 'challengeId');
    // A named statement: verifyOtp reads its challenge on every call (no query building, no TypeORM hydration).
    const raw = this.raw;
    const challenge = lock
      ? await raw.findById(em, OtpChallengeEntity, 'warden_otp_challenge_for_update_v1', challengeId, 'update')
      : await raw.findById(em, OtpChallengeEntity, 'warden_otp_challenge_v1', challengeId);
    if (!challenge || challenge.consumedAt || challenge.expiresAt <= this.deps.now()) throw new WardenError('OTP_EXPIRED');
    return challenge;
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
        const challenge = await this.loadLive(em, challengeId, true);
        if (challenge.channel === 'TOTP') throw WardenError.badInput('Nothing is sent for an authenticator code.', 'challengeId');
        failed = { userId: challenge.userId, channel: challenge.channel };
        if (challenge.sendCount >= this.deps.limits.otpMaxSends) {
          throw WardenError.rateLimited((challenge.expiresAt.getTime() - this.deps.now().getTime()) / 1000);
        }
        const cooldown = await this.deps.kv.increment(this.cooldownKey(challenge.id), this.deps.limits.otpResendCooldownSeconds);
        if (cooldown.value > 1) throw WardenError.rateLimited(cooldown.ttlSeconds);
        await this.deps.identifierLimits.countSend(challenge.destination);
        cooldownTaken = this.cooldownKey(challenge.id);
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

  /**
   * Counts the attempt first (so parallel guesses cannot exceed the budget), then compares in constant time.
   * Returns the challenge when the code is right; throws INVALID_OTP / OTP_EXPIRED otherwise.
   * Does not consume: the caller consumes inside its own transaction with consume().
   */
  async check(challengeId: string, code: string, purposes: readonly OtpPurposeValue[], meta: RequestMeta): Promise<OtpChallengeEntity> {
    return (await this.checkWith(challengeId, code, purposes, meta)).challenge;
  }

  private async checkWith(
    challengeId: string,
    code: string,
    purposes: readonly OtpPurposeValue[],
    meta: RequestMeta,
  ): Promise<{ challenge: OtpChallengeEntity; checked: unknown }> {
    const otpDigits = new RegExp(`^\\d{${this.deps.limits.otpLength}}$`);
    // An authenticator code is always 6 digits (RFC 6238 as every app does it), whatever OTP_LENGTH says.
    if (typeof code !== 'string' || !(otpDigits.test(code.trim()) || (purposes.includes('MFA') && /^\d{6}$/.test(code.trim())))) {
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
    const custom = challenge.channel === 'TOTP' ? this.deps.purposes.codePurpose(challenge.purpose)?.checkCode : undefined;
    if (challenge.channel === 'TOTP' ? !/^\d{6}$/.test(code.trim()) : !otpDigits.test(code.trim())) {
      throw WardenError.badInput(`The code is ${challenge.channel === 'TOTP' ? 6 : this.deps.limits.otpLength} digits.`, 'code');
    }
    const max = this.deps.limits.otpMaxAttempts;
    // The try against the challenge and, for a sent code, the check against its destination's budget are
    // counted in one round trip (KvStore.incrementMany: one write on one Redis server, in parallel on a
    // cluster). A try past the challenge's budget answers OTP_EXPIRED, and its check is taken back: a locked
    // challenge does not spend the destination's budget (one code must not lock the address out for an hour).
    const check = custom ? null : this.deps.identifierLimits.checkCounter(challenge.destination);
    const [tried, counted] = await this.deps.kv.incrementMany([
      { key: this.attemptsKey(challenge.id), ttlSeconds: ATTEMPTS_TTL_SECONDS },
      ...(check ? [check.entry] : []),
    ]);
    let attemptsLeft: number;
    try {
      attemptsLeft = await this.judgeAttempt(challenge, tried!, meta);
    } catch (error) {
      if (check) await check.takeBack().catch(() => undefined); // best effort: the refusal stands either way
      throw error;
    }
    if (check) check.judge(counted!);
    const attempts = { value: max - attemptsLeft };
    let ok: boolean;
    let checked: unknown = null;
    if (custom) {
      // The purpose checks the code (an authenticator app: no stored code, no destination to count against).
      checked = await custom(challenge, code.trim(), meta);
      ok = Boolean(checked);
    } else {
      const expected = challenge.codeHash ?? hashOtpCode(this.deps.hmacKey, challenge.id, 'decoy-never-matches');
      // A code mailed before WARDEN_SECRET rotated: its hash is under WARDEN_SECRET_PREVIOUS (tried only on a miss,
      // and never against the decoy).
      const previous = challenge.codeHash !== null ? this.deps.previousHmacKey : null;
      ok = hashOtpCodeMatches(this.deps.hmacKey, previous, challenge.id, code.trim(), expected) && challenge.codeHash !== null;
    }
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
    return { challenge, checked };
  }

  /** Marks the challenge used. Exactly one of racing callers gets true. */
  async consume(em: EntityManager, challengeId: string): Promise<boolean> {
    // A named prepared statement on the transaction's connection: no query building on verifyOtp's path.
    const rows = await this.raw.runIn(em, 'warden_otp_consume_v1', () => this.consumeSql(''), [challengeId, this.deps.now()]);
    return rows.length === 1;
  }

  /** consume() as the precondition of a one-statement sign-in: the challenge is consumed only if the sign-in may happen. */
  private consumeWhen(challengeId: string): SignInPrecondition {
    return { key: 'otp', values: [challengeId, this.deps.now()], sql: (allowed) => this.consumeSql(` AND EXISTS (SELECT 1 FROM ${allowed})`) };
  }

  /** The consuming UPDATE ($1 the challenge, $2 now), with `and` added to its condition. */
  private consumeSql(and: string): string {
    return `UPDATE ${this.raw.table(OtpChallengeEntity)} SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL AND expires_at > $2${and} RETURNING id`;
  }

  private get raw(): RawStatements {
    return (this.rawStatements ??= new RawStatements(this.deps.dataSource));
  }

  /**
   * verifyOtp for every registered purpose: checks the code, then consumes the challenge and runs the purpose's
   * handler in one transaction (exactly one of racing callers signs in). A purpose with a fastVerify tries that
   * first (one statement, no transaction); when it signed nobody in, the transaction runs as for the others.
   */
  async verify(input: { challengeId: string; code: string }, meta: RequestMeta): Promise<IssuedSession> {
    const { challenge, checked } = await this.checkWith(input.challengeId, input.code, this.deps.purposes.codePurposes(), meta);
    const handler = this.deps.purposes.codePurpose(challenge.purpose)!;
    const fast = handler.fastVerify ? await handler.fastVerify(challenge, { meta, checked }, this.consumeWhen(challenge.id)) : null;
    const issued =
      fast ??
      (await withTransaction(this.deps.dataSource, async (em) => {
        if (handler.lockFirst) await handler.lockFirst(em, challenge);
        if (!(await this.consume(em, challenge.id))) throw new WardenError('OTP_EXPIRED');
        return handler.onVerified(em, challenge, { meta, checked });
      }));
    // After commit: the number answered a code we texted, so its texts draw on the verified budget.
    if (challenge.channel === 'SMS') await this.deps.smsPolicy.recordVerified(challenge.destination);
    if (handler.afterCommit) await handler.afterCommit(challenge, issued, { meta, checked });
    return issued;
  }
}
