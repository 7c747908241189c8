import { randomUUID } from 'node:crypto';
import { IsNull, Not } from 'typeorm';
import { matchTotpStep, newTotpSecret, qrCodeSvg, totpUri } from './totp';
import { MfaFactorEntity } from './mfa-factor.entity';
import { RecoveryCodeEntity } from './recovery-code.entity';
import type { Viewer } from '../sessions/sessions.service';
import { AuditEvents } from '../audit/audit-events';
import { isUuid } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { RequestMeta } from '../request-meta';
import { MAX_FACTOR_NAME_LENGTH, MAX_TOTP_FACTORS, type MfaContext, type RecoveryCodesResult, type TotpEnrollmentResult } from './mfa-context';
import type { RecoveryCodes } from './recovery-codes';

/** Adding and removing authenticator apps, and the viewer's list of them. */
export class MfaEnrollment {
  constructor(
    private readonly context: MfaContext,
    private readonly recoveryCodes: RecoveryCodes,
  ) {}

  private get deps() {
    return this.context.deps;
  }

  /**
   * Recent authentication (the resolver), and aal2 once MFA is on. A pending factor replaces any other pending one
   * of the user.
   */
  async startTotpEnrollment(viewer: Viewer, meta: RequestMeta): Promise<TotpEnrollmentResult> {
    const user = await this.context.userOf(viewer);
    const em = this.deps.dataSource.manager;
    // Confirmed factors of any type: requireAal2ToAddFactor's question (hasConfirmedFactor) and the cap's, asked once.
    const confirmed = await em.count(MfaFactorEntity, { where: { userId: user.id, confirmedAt: Not(IsNull()) } });
    if (confirmed > 0) await this.context.requireAal2(em, viewer);
    if (confirmed >= MAX_TOTP_FACTORS) throw WardenError.badInput(`At most ${MAX_TOTP_FACTORS} authenticator apps.`);
    const secret = newTotpSecret();
    const id = randomUUID();
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + this.deps.limits.mfaEnrollmentTtlSeconds * 1000);
    await withTransaction(this.deps.dataSource, async (tx) => {
      await tx.delete(MfaFactorEntity, { userId: user.id, confirmedAt: IsNull() });
      await tx.insert(MfaFactorEntity, {
        id,
        userId: user.id,
        type: 'TOTP',
        name: null,
        secretCiphertext: this.context.box.seal(id, secret),
        lastUsedStep: null,
        lastUsedAt: null,
        confirmedAt: null,
        expiresAt,
      });
      await this.deps.audit.record(tx, { event: AuditEvents.mfaEnrollmentStarted, userId: user.id, meta, data: { factorId: id } });
    });
    const otpauthUri = totpUri(secret, this.deps.productName, user.email ?? user.phone ?? user.id);
    return { factorId: id, otpauthUri, qrCodeSvg: await qrCodeSvg(otpauthUri), secret, expiresAt };
  }

  /**
   * The first code confirms the pending factor: MFA is on, the other sessions end and the account is mailed. The
   * first confirmed factor creates 10 recovery codes (answered once); a later one (aal2 only) keeps the existing
   * codes and answers an empty list. Tries count against OTP_MAX_ATTEMPTS per enrollment.
   */
  async confirmTotpEnrollment(
    viewer: Viewer,
    input: { factorId: string; code: string; name?: string | null },
    meta: RequestMeta,
  ): Promise<RecoveryCodesResult> {
    if (!isUuid(input.factorId)) throw WardenError.badInput('factorId is not valid.', 'factorId');
    if (typeof input.code !== 'string' || !/^\d{6}$/.test(input.code.trim())) throw WardenError.badInput('The code is 6 digits.', 'code');
    if (input.name != null && input.name.trim().length > MAX_FACTOR_NAME_LENGTH) {
      throw WardenError.badInput(`The name is at most ${MAX_FACTOR_NAME_LENGTH} characters.`, 'name');
    }
    const name = input.name == null ? null : input.name.trim() || null;
    const em = this.deps.dataSource.manager;
    const factor = await em.findOne(MfaFactorEntity, { where: { id: input.factorId, userId: viewer.userId, confirmedAt: IsNull() } });
    const now = this.deps.now();
    if (!factor || !factor.expiresAt || factor.expiresAt <= now) throw new WardenError('OTP_EXPIRED', { message: 'This enrollment has expired. Start again.' });
    await this.context.requireAal2ToAddFactor(viewer, em); // before a try is counted
    const tries = await this.deps.kv.increment(`mfa:{${factor.id}}:enroll-tries`, this.deps.limits.mfaEnrollmentTtlSeconds);
    if (tries.value > this.deps.limits.otpMaxAttempts) throw new WardenError('OTP_EXPIRED', { message: 'Too many wrong codes. Start again.' });
    const opened = this.context.box.tryOpen(factor.id, factor.secretCiphertext);
    const step = opened ? matchTotpStep(opened.secret, input.code.trim(), now.getTime()) : null;
    if (step === null) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.mfaFailed,
        outcome: 'failure',
        userId: viewer.userId,
        meta,
        data: { factorId: factor.id, reason: 'enrollment_wrong_code' },
      });
      throw new WardenError('INVALID_OTP', { extensions: { attemptsLeft: Math.max(0, this.deps.limits.otpMaxAttempts - tries.value) } });
    }
    const { codes, user } = await withTransaction(this.deps.dataSource, async (tx) => {
      await this.context.lockUser(tx, viewer.userId);
      // Decided under the lock: a factor confirmed meanwhile makes this one a later factor (aal2, codes kept).
      const first = !(await this.context.hasConfirmedFactor(tx, viewer.userId));
      if (!first) await this.context.requireAal2(tx, viewer);
      const result = await tx
        .createQueryBuilder()
        .update(MfaFactorEntity)
        .set({ confirmedAt: now, expiresAt: null, name, lastUsedStep: String(step), lastUsedAt: now })
        .where('id = :id', { id: factor.id })
        .andWhere('confirmed_at IS NULL')
        .andWhere('expires_at > :now', { now })
        .execute();
      if (result.affected !== 1) throw new WardenError('OTP_EXPIRED', { message: 'This enrollment has expired. Start again.' });
      const codes = first ? await this.recoveryCodes.replaceRecoveryCodes(tx, viewer.userId) : [];
      await this.deps.sessions.revokeAllInTransaction(tx, viewer.userId, 'mfa_enabled', meta, viewer.sessionId);
      await this.deps.audit.record(tx, { event: AuditEvents.mfaFactorEnrolled, userId: viewer.userId, meta, data: { factorId: factor.id, type: 'TOTP' } });
      return { codes, user: await this.deps.users.findById(tx, viewer.userId) };
    });
    await this.context.notify(
      user,
      meta,
      'An authenticator app was added',
      'An authenticator app was added to your account as a second step when you sign in. Your other sessions were signed out.',
    );
    return { codes, createdAt: now };
  }

  /** Recent authentication (the resolver). Removing the last confirmed factor turns MFA off (recovery codes go too). */
  async removeFactor(viewer: Viewer, id: string, meta: RequestMeta): Promise<boolean> {
    if (!isUuid(id)) throw WardenError.badInput('id is not a factor id.', 'id');
    const outcome = await withTransaction(this.deps.dataSource, async (em) => {
      // The user row first: of two removals at once the second waits, then sees the first's (mfaOff decided once).
      await this.context.lockUser(em, viewer.userId);
      const factor = await em.findOne(MfaFactorEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!factor || factor.userId !== viewer.userId) throw new WardenError('FORBIDDEN', { message: 'That factor is not yours.' });
      if (factor.confirmedAt) await this.context.requireAal2(em, viewer);
      await em.delete(MfaFactorEntity, { id });
      const mfaOff = factor.confirmedAt !== null && !(await this.context.hasConfirmedFactor(em, viewer.userId));
      if (mfaOff) await em.delete(RecoveryCodeEntity, { userId: viewer.userId });
      if (factor.confirmedAt) {
        await this.deps.audit.record(em, {
          event: AuditEvents.mfaFactorRemoved,
          userId: viewer.userId,
          meta,
          data: { factorId: id, type: factor.type, mfaOff },
        });
      }
      return { confirmed: factor.confirmedAt !== null, mfaOff };
    });
    if (outcome.confirmed) {
      await this.context.notify(
        await this.context.userOf(viewer),
        meta,
        'An authenticator app was removed',
        outcome.mfaOff
          ? 'The last authenticator app was removed from your account: signing in no longer asks for a second step, and your recovery codes no longer work.'
          : 'An authenticator app was removed from your account.',
      );
    }
    return true;
  }

  listFactors(userId: string): Promise<MfaFactorEntity[]> {
    return this.deps.dataSource.manager.find(MfaFactorEntity, { where: { userId, confirmedAt: Not(IsNull()) }, order: { createdAt: 'ASC' } });
  }
}
