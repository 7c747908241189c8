import { randomUUID } from 'node:crypto';
import { IsNull, type EntityManager } from 'typeorm';
import { newRecoveryCode, normalizeRecoveryCode } from './totp';
import { RecoveryCodeEntity } from './recovery-code.entity';
import type { IssuedSession, Viewer } from '../sessions/sessions.service';
import type { AuthMethod } from '../sessions/assurance';
import { AuditEvents } from '../audit/audit-events';
import { keyedHash } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { RequestMeta } from '../request-meta';
import { RECOVERY_AMR, RECOVERY_CODE_COUNT, type MfaContext, type RecoveryCodesResult } from './mfa-context';

const RECOVERY_HASH_PURPOSE = 'recovery-code';

/** Recovery codes: made when MFA goes on, regenerated on request, each spent once to finish an MFA challenge. */
export class RecoveryCodes {
  constructor(private readonly context: MfaContext) {}

  private get deps() {
    return this.context.deps;
  }

  /** Deletes every recovery code of the user and stores RECOVERY_CODE_COUNT new ones (HMACs); answers them in clear, once. */
  async replaceRecoveryCodes(em: EntityManager, userId: string): Promise<string[]> {
    await em.delete(RecoveryCodeEntity, { userId });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    await em.insert(
      RecoveryCodeEntity,
      codes.map((code) => ({ id: randomUUID(), userId, codeHash: this.recoveryHash(userId, normalizeRecoveryCode(code)!), usedAt: null })),
    );
    return codes;
  }

  private recoveryHash(userId: string, normalized: string, key = this.deps.hmacKey): string {
    return keyedHash(key, RECOVERY_HASH_PURPOSE, `${userId}:${normalized}`);
  }

  /**
   * Spends the unused recovery code with one of these hashes (the code under WARDEN_SECRET, and under
   * WARDEN_SECRET_PREVIOUS when set): one conditional UPDATE, so racing uses spend it once.
   */
  private async spendRecoveryCode(em: EntityManager, userId: string, hashes: string[], now: Date): Promise<boolean> {
    const used = await em
      .createQueryBuilder()
      .update(RecoveryCodeEntity)
      .set({ usedAt: now })
      .where('user_id = :userId', { userId })
      .andWhere('code_hash IN (:...hashes)', { hashes })
      .andWhere('used_at IS NULL')
      .execute();
    // One row: the two hashes of one random code are stored together only if it was drawn twice.
    return (used.affected ?? 0) > 0;
  }

  /** Recent authentication (the resolver), MFA on and an aal2 session: every old code stops working. */
  async regenerateRecoveryCodes(viewer: Viewer, meta: RequestMeta): Promise<RecoveryCodesResult> {
    const now = this.deps.now();
    const codes = await withTransaction(this.deps.dataSource, async (em) => {
      if (!(await this.context.hasConfirmedFactor(em, viewer.userId))) throw WardenError.badInput('Add an authenticator app first.');
      await this.context.requireAal2(em, viewer);
      const codes = await this.replaceRecoveryCodes(em, viewer.userId);
      await this.deps.audit.record(em, { event: AuditEvents.recoveryCodesRegenerated, userId: viewer.userId, meta });
      return codes;
    });
    await this.context.notify(
      await this.context.userOf(viewer),
      meta,
      'New recovery codes were made',
      'New recovery codes were made for your account; the old ones no longer work.',
    );
    return { codes, createdAt: now };
  }

  /**
   * Finishes an MFA challenge with a recovery code: counted against the challenge's tries and MFA_MAX_FAILURES,
   * spent by one conditional UPDATE in the transaction that consumes the challenge and signs in.
   */
  async verifyRecoveryCode(input: { challengeId: string; recoveryCode: string }, meta: RequestMeta): Promise<IssuedSession> {
    if (typeof input.recoveryCode !== 'string' || input.recoveryCode.length > 64) throw WardenError.badInput('That is not a recovery code.', 'recoveryCode');
    const normalized = normalizeRecoveryCode(input.recoveryCode);
    if (!normalized) throw WardenError.badInput('That is not a recovery code.', 'recoveryCode');
    const challenge = await this.deps.challenges.loadLiveChallenge(input.challengeId);
    if (challenge.purpose !== 'MFA' || !challenge.userId) throw WardenError.badInput('This challenge does not take a recovery code.', 'challengeId');
    const userId = challenge.userId;
    const attemptsLeft = await this.deps.challenges.countAttempt(challenge, meta);
    const attempt = await this.context.beginTry(userId, meta);
    const now = this.deps.now();
    const outcome = await withTransaction(this.deps.dataSource, async (em) => {
      // Under WARDEN_SECRET, or under WARDEN_SECRET_PREVIOUS when set (a code is spent on use: nothing to re-hash).
      const hashes = [this.recoveryHash(userId, normalized)];
      if (this.deps.previousHmacKey) hashes.push(this.recoveryHash(userId, normalized, this.deps.previousHmacKey));
      if (!(await this.spendRecoveryCode(em, userId, hashes, now))) return null;
      if (!(await this.deps.challenges.consume(em, challenge.id))) throw new WardenError('OTP_EXPIRED');
      const user = await this.deps.users.findById(em, userId);
      if (!user) throw new WardenError('OTP_EXPIRED');
      const remaining = await em.count(RecoveryCodeEntity, { where: { userId, usedAt: IsNull() } });
      await this.deps.audit.record(em, { event: AuditEvents.recoveryCodeUsed, userId, meta, data: { challengeId: challenge.id, remaining } });
      const issued = await this.deps.sessions.signIn(em, {
        user,
        meta,
        method: 'mfa_recovery_code',
        amr: [...((challenge.firstFactorAmr ?? []) as AuthMethod[]), ...RECOVERY_AMR],
      });
      return { issued, user, remaining };
    });
    if (!outcome) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.mfaFailed,
        outcome: 'failure',
        userId,
        meta,
        data: { challengeId: challenge.id, reason: 'wrong_recovery_code' },
      });
      await this.context.afterWrongCode(userId, true, attempt, meta);
      throw new WardenError('INVALID_OTP', { extensions: { attemptsLeft } });
    }
    await this.context.clearUserTries(userId);
    await this.context.notify(
      outcome.user,
      meta,
      'A recovery code was used',
      `A recovery code was used to sign in to your account. ${outcome.remaining} unused recovery codes are left.`,
    );
    return outcome.issued;
  }

  recoveryCodesRemaining(userId: string): Promise<number> {
    return this.deps.dataSource.manager.count(RecoveryCodeEntity, { where: { userId, usedAt: IsNull() } });
  }
}
