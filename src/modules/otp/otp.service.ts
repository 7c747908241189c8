import type { EntityManager } from 'typeorm';
import { OtpChallengeEntity, type OtpPurposeValue } from './otp-challenge.entity';
import type { AuthChallengeType } from './auth-challenge.type';
import { ChallengesService, type ChallengesServiceDeps, type PurposeHandler, type VerifiedContext } from './challenges.service';
import { normalizeEmail, normalizePhone } from '../users/identifiers';
import type { IssuedSession, SignInPrecondition } from '../sessions/sessions.service';
import type { AuthMethod } from '../sessions/assurance';
import { AuditEvents } from '../audit/audit-events';
import type { AuditRecord } from '../audit/audit.service';
import { WardenError } from '../../errors/warden-error';
import { dropUnverifiedPassword } from '../password/unverified-password';
import type { RequestMeta } from '../request-meta';

export type { StartChallenge } from './challenges.service';
export type OtpServiceDeps = ChallengesServiceDeps;

/** SendTiming kind for emailed LOGIN codes (real sends and unknown-email decoys). */
const TIMING_KIND = 'otp-email';

/**
 * The passwordless flow (requestOtp, verifyOtp for SIGNUP and LOGIN codes) over the challenge primitive,
 * which it owns and exposes as `challenges` for the other flows (password, password reset, later MFA…).
 */
export class OtpService {
  readonly challenges: ChallengesService;

  constructor(private readonly deps: OtpServiceDeps) {
    this.challenges = new ChallengesService(deps);
  }

  /** The code purposes this flow verifies (SIGNUP, LOGIN): the otp module's codePurposes hook. */
  codePurposes(): Partial<Record<OtpPurposeValue, PurposeHandler>> {
    const signIn = { onVerified: (em: EntityManager, challenge: OtpChallengeEntity, ctx: VerifiedContext) => this.signIn(em, challenge, ctx.meta) };
    return {
      SIGNUP: signIn,
      LOGIN: { ...signIn, fastVerify: (challenge, ctx, consume) => this.signInOneStatement(challenge, ctx.meta, consume) },
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
      const { challenge } = await this.challenges.issue({
        channel: 'SMS',
        purpose: 'LOGIN',
        destination: phone,
        userId: async (em) => (userId = (await this.deps.users.findByPhone(em, phone))?.id ?? null),
        audit: (c) => [
          { event: AuditEvents.otpSent, userId, meta, data: { challengeId: c.id, channel: 'SMS', purpose: 'LOGIN', newAccount: userId === null } },
        ],
      });
      return this.challenges.toChallengeType(challenge);
    } catch (error) {
      await this.deps.audit.recordDeliveryFailure(error, { flow: 'otp', channel: 'SMS', userId, meta });
      throw error;
    }
  }

  private async requestByEmail(email: string, meta: RequestMeta): Promise<AuthChallengeType> {
    const user = await this.deps.users.findByEmail(this.deps.dataSource.manager, email);
    const challenge = await this.challenges.realOrDecoy(
      TIMING_KIND,
      user ? { userId: user.id, flow: 'otp', channel: 'EMAIL', meta } : null,
      async () =>
        (
          await this.challenges.issue({
            channel: 'EMAIL',
            purpose: 'LOGIN',
            destination: email,
            userId: user!.id,
            audit: (c) => [{ event: AuditEvents.otpSent, userId: user!.id, meta, data: { challengeId: c.id, channel: 'EMAIL', purpose: 'LOGIN' } }],
          })
        ).challenge,
      () =>
        this.challenges.issueDecoy({
          userId: null,
          channel: 'EMAIL',
          purpose: 'LOGIN',
          destination: email,
          audit: (c) => [
            {
              event: AuditEvents.otpRequested,
              outcome: 'failure',
              meta,
              data: { challengeId: c.id, channel: 'EMAIL', purpose: 'LOGIN', reason: 'unknown_email' },
            },
          ],
        }),
    );
    return this.challenges.toChallengeType(challenge);
  }

  /** verifyOtp: every registered purpose (here SIGNUP and LOGIN; other modules register theirs). */
  verify(input: { challengeId: string; code: string }, meta: RequestMeta): Promise<IssuedSession> {
    return this.challenges.verify(input, meta);
  }

  resend(challengeId: string, meta: RequestMeta) {
    return this.challenges.resend(challengeId, meta);
  }

  /** A SIGNUP or LOGIN code signs in, and marks its email or phone verified (a new phone gets its account). */
  private async signIn(em: EntityManager, challenge: OtpChallengeEntity, meta: RequestMeta): Promise<IssuedSession> {
    // Read under a share lock: its deletedAt is then current until COMMIT, and signIn need not read it again.
    let user = challenge.userId ? await this.deps.users.findById(em, challenge.userId, { forShare: true }) : null;
    const userLocked = user !== null;
    if (!user && challenge.channel === 'SMS') {
      const found = await this.deps.users.findOrCreateByVerifiedPhone(em, challenge.destination);
      user = found.user;
      if (found.created) await this.deps.audit.record(em, { event: AuditEvents.userCreatedFromPhone, userId: user.id, meta });
    }
    if (!user) throw new WardenError('OTP_EXPIRED');
    // A LOGIN code proves the address for the first time: a password set before that was never the owner's (F13).
    // Not after the password itself (firstFactorAmr pwd): whoever finishes that challenge knows both.
    if (challenge.purpose === 'LOGIN' && challenge.channel === 'EMAIL' && !(challenge.firstFactorAmr ?? []).includes('pwd')) {
      await dropUnverifiedPassword(em, this.deps.sessions, user, 'login_code_unverified_account_claimed', meta);
    }
    user = await this.deps.users.markVerified(em, user, challenge.channel === 'SMS' ? 'SMS' : 'EMAIL');
    await this.deps.audit.record(em, OtpService.verified(challenge, user.id, meta));
    return this.deps.sessions.signIn(em, { user, userLocked, meta, method: OtpService.method(challenge), amr: OtpService.amr(challenge) });
  }

  /**
   * A LOGIN code of an existing account whose email (or phone) is verified, in one statement that consumes the
   * challenge (SessionsService.signInOneStatement). null for anything else, or when it signed nobody in (deleted
   * account, a second factor to ask for, an unverified email or phone, a code used meanwhile): verify() then runs
   * signIn above in a transaction, which answers those.
   */
  private async signInOneStatement(challenge: OtpChallengeEntity, meta: RequestMeta, consume: SignInPrecondition): Promise<IssuedSession | null> {
    if (!challenge.userId || (challenge.channel !== 'EMAIL' && challenge.channel !== 'SMS')) return null;
    return this.deps.sessions.signInOneStatement({
      userId: challenge.userId,
      verified: challenge.channel === 'SMS' ? 'phone' : 'email',
      meta,
      method: OtpService.method(challenge),
      amr: OtpService.amr(challenge),
      audit: [OtpService.verified(challenge, challenge.userId, meta)],
      precondition: consume,
    });
  }

  private static method(challenge: OtpChallengeEntity): string {
    return `otp_${challenge.channel.toLowerCase()}`;
  }

  /** A LOGIN code after a password carries ['pwd'] (what was proved before the code). */
  private static amr(challenge: OtpChallengeEntity): AuthMethod[] {
    return [...((challenge.firstFactorAmr ?? []) as AuthMethod[]), ...(challenge.channel === 'SMS' ? (['otp', 'sms'] as const) : (['otp', 'email'] as const))];
  }

  private static verified(challenge: OtpChallengeEntity, userId: string, meta: RequestMeta): AuditRecord {
    return { event: AuditEvents.otpVerified, userId, meta, data: { challengeId: challenge.id, channel: challenge.channel, purpose: challenge.purpose } };
  }
}
