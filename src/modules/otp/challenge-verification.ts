import type { EntityManager } from 'typeorm';
import { OtpChallengeEntity, type OtpPurposeValue } from './otp-challenge.entity';
import { ATTEMPTS_TTL_SECONDS, challengeKeys, type ChallengesServiceDeps } from './challenge-types';
import type { IssuedSession, SignInPrecondition } from '../sessions/sessions.service';
import { AuditEvents } from '../audit/audit-events';
import { hashOtpCode, hashOtpCodeMatches } from '../../crypto/otp-code';
import { isUuid } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { RawStatements } from '../../db/raw-statements';
import type { RequestMeta } from '../request-meta';
import { withTransaction } from '../../db/transaction';

/**
 * Checking codes and verifyOtp: the attempt budget (counted before the constant-time comparison), single-use
 * consumption, and the handler of each purpose (every module's codePurposes hooks, read from the registry at
 * each verify) that runs once a code was right.
 */
export class ChallengeVerification {
  private rawStatements: RawStatements | null = null;

  constructor(private readonly deps: ChallengesServiceDeps) {}

  /** Counts one try against the challenge's OTP_MAX_ATTEMPTS; OTP_EXPIRED once over. Returns the tries left. */
  async countAttempt(challenge: OtpChallengeEntity, meta: RequestMeta): Promise<number> {
    return this.judgeAttempt(challenge, await this.deps.kv.increment(challengeKeys.attempts(challenge.id), ATTEMPTS_TTL_SECONDS), meta);
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

  async loadLive(em: EntityManager, challengeId: string, lock: boolean): Promise<OtpChallengeEntity> {
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
      { key: challengeKeys.attempts(challenge.id), ttlSeconds: ATTEMPTS_TTL_SECONDS },
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
   * verifyOtp for every purpose in the registry: checks the code, then consumes the challenge and runs the purpose's
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
