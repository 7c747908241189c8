import type { EntityManager } from 'typeorm';
import type { VerifiedContext } from '../otp/challenges.service';
import { setChallengeSession, type OtpChallenge } from '../otp';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import type { IssuedSession, Viewer } from '../sessions/sessions.service';
import { lockSession, sessionState } from '../sessions';
import type { AuthMethod } from '../sessions/assurance';
import { AuditEvents } from '../audit/audit-events';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { RequestMeta } from '../request-meta';
import { TOTP_AMR, type MfaContext, type TotpMatch } from './mfa-context';

/** Re-authentication of the viewer's session: by the authenticator app when enrolled, else by a mailed or texted code. */
export class Reauthentication {
  constructor(private readonly context: MfaContext) {}

  private get deps() {
    return this.context.deps;
  }

  /**
   * Before the challenge is consumed (PurposeHandler.lockFirst): the user row (shared), then the session, in the
   * order every revocation takes them (user, sessions, then the session's challenges), so a revocation and this
   * finish wait for each other instead of deadlocking (F2).
   */
  async lockForReauthentication(em: EntityManager, challenge: OtpChallenge): Promise<void> {
    if (!challenge.userId || !challenge.sessionId) return;
    await this.deps.users.findById(em, challenge.userId, { forShare: true });
    await lockSession(em, challenge.sessionId, 'update');
  }

  async finishReauthentication(em: EntityManager, challenge: OtpChallenge, ctx: VerifiedContext): Promise<IssuedSession> {
    if (!challenge.sessionId) throw new WardenError('OTP_EXPIRED');
    let amr: AuthMethod[];
    if (challenge.channel === 'TOTP') {
      // User, then factor (see finishMfa): lockForReauthentication (lockFirst, run by verify() in this transaction
      // before onVerified) share-locked the user row already; with no userId it locked nothing, as a lookup would not.
      await this.context.spendStep(em, ctx.checked as TotpMatch);
      await this.context.clearUserTries(challenge.userId!);
      amr = TOTP_AMR;
    } else {
      amr = challenge.channel === 'SMS' ? ['otp', 'sms'] : ['otp', 'email'];
    }
    const session = await sessionState(em, challenge.sessionId);
    if (!session || session.userId !== challenge.userId) throw new WardenError('OTP_EXPIRED');
    return this.deps.sessions.reauthenticate(em, challenge.sessionId, amr, ctx.meta);
  }

  /** A REAUTHENTICATION challenge for the viewer's session: the authenticator app when enrolled, else a mailed (or texted) code. */
  async requestReauthentication(viewer: Viewer, meta: RequestMeta): Promise<AuthChallengeType> {
    const user = await this.context.userOf(viewer);
    const em = this.deps.dataSource.manager;
    if (await this.context.hasConfirmedFactor(em, user.id)) {
      const challenge = await withTransaction(this.deps.dataSource, async (tx) => {
        const challenge = await this.deps.challenges.open(tx, { userId: user.id, purpose: 'REAUTHENTICATION', sessionId: viewer.sessionId });
        await this.deps.audit.record(tx, {
          event: AuditEvents.reauthenticationRequested,
          userId: user.id,
          meta,
          data: { challengeId: challenge.id, channel: 'TOTP' },
        });
        return challenge;
      });
      return this.deps.challenges.toChallengeType(challenge);
    }
    const channel = user.email ? 'EMAIL' : 'SMS';
    const destination = user.email ?? user.phone;
    if (!destination) throw WardenError.badInput('This account has no email or phone to send a code to.');
    try {
      const { challenge } = await this.deps.challenges.issue({
        channel,
        purpose: 'REAUTHENTICATION',
        destination,
        userId: user.id,
        write: async (tx, c) => {
          await setChallengeSession(tx, c.id, viewer.sessionId);
          c.sessionId = viewer.sessionId;
        },
        audit: (c) => [{ event: AuditEvents.reauthenticationRequested, userId: user.id, meta, data: { challengeId: c.id, channel } }],
      });
      return this.deps.challenges.toChallengeType(challenge);
    } catch (error) {
      await this.deps.audit.recordDeliveryFailure(error, { flow: 'reauthentication', channel, userId: user.id, meta });
      throw error;
    }
  }
}
