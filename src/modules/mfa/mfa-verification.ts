import type { EntityManager } from 'typeorm';
import { IsNull, Not } from 'typeorm';
import { matchTotpStep } from './totp';
import { MfaFactorEntity } from './mfa-factor.entity';
import type { VerifiedContext } from '../otp/challenges.service';
import type { OtpChallenge } from '../otp';
import type { IssuedSession } from '../sessions/sessions.service';
import type { AuthMethod } from '../sessions/assurance';
import { AuditEvents } from '../audit/audit-events';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import { TOTP_AMR, type MfaContext, type TotpMatch } from './mfa-context';

/** Sign-in with an authenticator app: the MFA challenge's code check and finish (verifyOtp). */
export class MfaVerification {
  constructor(private readonly context: MfaContext) {}

  private get deps() {
    return this.context.deps;
  }

  /** The confirmed factor and time step a code matches now, or null. Replays are refused later, atomically. */
  private async matchCode(userId: string, code: string): Promise<TotpMatch | null> {
    const factors = await this.deps.dataSource.manager.find(MfaFactorEntity, { where: { userId, type: 'TOTP', confirmedAt: Not(IsNull()) } });
    const nowMs = this.deps.now().getTime();
    for (const factor of factors) {
      // A secret no configured key opens (WARDEN_SECRET rotated without WARDEN_SECRET_PREVIOUS) matches no code.
      const opened = this.context.box.tryOpen(factor.id, factor.secretCiphertext);
      if (!opened) continue;
      const step = matchTotpStep(opened.secret, code, nowMs);
      if (step !== null && (factor.lastUsedStep === null || step > Number(factor.lastUsedStep))) {
        return { factorId: factor.id, step, ...(opened.stale ? { resealed: this.context.box.seal(factor.id, opened.secret) } : {}) };
      }
    }
    return null;
  }

  /** checkCode of MFA and REAUTHENTICATION challenges on channel TOTP (the challenge's try is already counted). */
  async checkTotp(challenge: OtpChallenge, code: string, meta: RequestMeta): Promise<TotpMatch | null> {
    const userId = challenge.userId!;
    const attempt = await this.context.beginTry(userId, meta);
    const match = await this.matchCode(userId, code);
    if (!match) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.mfaFailed,
        outcome: 'failure',
        userId,
        meta,
        data: { challengeId: challenge.id, purpose: challenge.purpose, reason: 'wrong_code' },
      });
      await this.context.afterWrongCode(userId, challenge.purpose === 'MFA', attempt, meta);
    }
    return match;
  }

  async finishMfa(em: EntityManager, challenge: OtpChallenge, ctx: VerifiedContext): Promise<IssuedSession> {
    const match = ctx.checked as TotpMatch;
    // The user row first (FOR SHARE), then the factor: the order removeFactor takes them in (no deadlock).
    const user = await this.deps.users.findById(em, challenge.userId!, { forShare: true });
    if (!user) throw new WardenError('OTP_EXPIRED');
    await this.context.spendStep(em, match);
    await this.deps.audit.record(em, {
      event: AuditEvents.mfaVerified,
      userId: user.id,
      meta: ctx.meta,
      data: { challengeId: challenge.id, factorId: match.factorId, kind: 'totp' },
    });
    const issued = await this.deps.sessions.signIn(em, {
      user,
      userLocked: true,
      meta: ctx.meta,
      method: 'mfa_totp',
      amr: [...((challenge.firstFactorAmr ?? []) as AuthMethod[]), ...TOTP_AMR],
    });
    await this.context.clearUserTries(user.id);
    return issued;
  }
}
