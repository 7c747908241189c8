import { IsNull, Not, type EntityManager } from 'typeorm';
import { MfaFactorEntity } from './mfa-factor.entity';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import type { IssuedSession, SignInGate, SignInRequest, Viewer } from '../sessions/sessions.service';
import { AuditEvents } from '../audit/audit-events';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { CodePurposes } from '../../kernel/hooks';
import { MfaContext, type MfaServiceDeps, type RecoveryCodesResult, type TotpEnrollmentResult } from './mfa-context';
import { MfaVerification } from './mfa-verification';
import { MfaEnrollment } from './mfa-enrollment';
import { RecoveryCodes } from './recovery-codes';
import { Reauthentication } from './reauthentication';

export { MFA_FAILURE_NOTICE_AFTER, RECOVERY_CODE_COUNT, type MfaServiceDeps, type RecoveryCodesResult, type TotpEnrollmentResult } from './mfa-context';

/**
 * Second factors (issue #11): authenticator apps (TOTP), recovery codes, the sign-in gate that asks for them, and
 * re-authentication. The gate is the mfa module's signInGates hook, so every path that creates a session passes it.
 * Each concern is its own class (mfa-verification, mfa-enrollment, recovery-codes, reauthentication; what they
 * share is in mfa-context); this one gives the module's hooks (its build returns them) and answers the resolvers.
 */
export class MfaService {
  private readonly context: MfaContext;
  private readonly verification: MfaVerification;
  private readonly recoveryCodes: RecoveryCodes;
  private readonly enrollment: MfaEnrollment;
  private readonly reauthentication: Reauthentication;

  constructor(private readonly deps: MfaServiceDeps) {
    this.context = new MfaContext(deps);
    this.verification = new MfaVerification(this.context);
    this.recoveryCodes = new RecoveryCodes(this.context);
    this.enrollment = new MfaEnrollment(this.context, this.recoveryCodes);
    this.reauthentication = new Reauthentication(this.context);
  }

  /** The code purposes this module verifies (MFA, REAUTHENTICATION): the mfa module's codePurposes hook. */
  codePurposes(): CodePurposes {
    return {
      MFA: {
        checkCode: (challenge, code, meta) => this.verification.checkTotp(challenge, code, meta),
        onVerified: (em, challenge, ctx) => this.verification.finishMfa(em, challenge, ctx),
      },
      REAUTHENTICATION: {
        lockFirst: (em, challenge) => this.reauthentication.lockForReauthentication(em, challenge),
        checkCode: (challenge, code, meta) => this.verification.checkTotp(challenge, code, meta),
        onVerified: (em, challenge, ctx) => this.reauthentication.finishReauthentication(em, challenge, ctx),
      },
    };
  }

  // ---------------------------------------------------------------- the gate

  /**
   * The second-factor sign-in gate (the mfa module's signInGates hook). A first factor for a user with a confirmed second factor opens an MFA challenge (in the
   * caller's transaction, nothing sent) and refuses with MFA_REQUIRED; a sign-in that a second factor finished
   * (amr has mfa, or is aal2 already, e.g. a user-verifying passkey) passes.
   */
  readonly gate: SignInGate = {
    check: async (em, request) => {
      if (this.context.secondFactorDone(request.amr)) return { allow: true };
      if (!(await this.context.hasConfirmedFactor(em, request.user.id))) return { allow: true };
      const challenge = await this.deps.challenges.open(em, { userId: request.user.id, purpose: 'MFA', firstFactorAmr: request.amr });
      await this.deps.audit.record(em, {
        event: AuditEvents.mfaChallenged,
        userId: request.user.id,
        meta: request.meta,
        data: { challengeId: challenge.id, method: request.method, amr: request.amr },
      });
      return { allow: false, error: new WardenError('MFA_REQUIRED', { extensions: { challengeId: challenge.id } }) };
    },
    // The same decision in SQL, for the one-statement sign-in: allowed when a second factor was done, or when the
    // user has no confirmed factor (hasConfirmedFactor's question, negated). Refusing needs `check` (it opens a challenge).
    sqlAllows: (amr) =>
      this.context.secondFactorDone(amr) ? { always: true } : { key: 'mfa', predicate: (userId) => `NOT ${this.context.confirmedFactorSql(userId)}` },
  };

  // ---------------------------------------------------------------- enrollment (mfa-enrollment.ts)

  /**
   * Adding a second factor (an authenticator app, a passkey) once a confirmed one exists needs an aal2 session, as
   * removing one does: REAUTHENTICATION_REQUIRED (`requiredAal: "aal2"`) otherwise.
   */
  requireAal2ToAddFactor(viewer: Viewer, em?: EntityManager): Promise<void> {
    return this.context.requireAal2ToAddFactor(viewer, em);
  }

  startTotpEnrollment(viewer: Viewer, meta: RequestMeta): Promise<TotpEnrollmentResult> {
    return this.enrollment.startTotpEnrollment(viewer, meta);
  }

  confirmTotpEnrollment(viewer: Viewer, input: { factorId: string; code: string; name?: string | null }, meta: RequestMeta): Promise<RecoveryCodesResult> {
    return this.enrollment.confirmTotpEnrollment(viewer, input, meta);
  }

  removeFactor(viewer: Viewer, id: string, meta: RequestMeta): Promise<boolean> {
    return this.enrollment.removeFactor(viewer, id, meta);
  }

  listFactors(userId: string): Promise<MfaFactorEntity[]> {
    return this.enrollment.listFactors(userId);
  }

  // ---------------------------------------------------------------- recovery codes (recovery-codes.ts)

  regenerateRecoveryCodes(viewer: Viewer, meta: RequestMeta): Promise<RecoveryCodesResult> {
    return this.recoveryCodes.regenerateRecoveryCodes(viewer, meta);
  }

  verifyRecoveryCode(input: { challengeId: string; recoveryCode: string }, meta: RequestMeta): Promise<IssuedSession> {
    return this.recoveryCodes.verifyRecoveryCode(input, meta);
  }

  recoveryCodesRemaining(userId: string): Promise<number> {
    return this.recoveryCodes.recoveryCodesRemaining(userId);
  }

  // ---------------------------------------------------------------- re-authentication (reauthentication.ts)

  requestReauthentication(viewer: Viewer, meta: RequestMeta): Promise<AuthChallengeType> {
    return this.reauthentication.requestReauthentication(viewer, meta);
  }
}

export type { SignInRequest };

/** The `mfaFactors` section of exportAccountData: confirmed factors only, never the secret. */
export async function exportMfaFactors(em: EntityManager, userId: string): Promise<unknown[]> {
  const rows = await em.find(MfaFactorEntity, {
    where: { userId, confirmedAt: Not(IsNull()) },
    select: { id: true, type: true, name: true, createdAt: true, lastUsedAt: true },
    order: { createdAt: 'ASC' },
  });
  return rows.map((f) => ({ id: f.id, type: f.type, name: f.name, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt }));
}
