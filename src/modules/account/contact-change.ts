import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { lockUser, updateUser } from '../users';
import { maskEmail, normalizeEmail, normalizePhone } from '../users/identifiers';
import type { IssuedSession, Viewer } from '../sessions/sessions.service';
import { lockSession, sessionState } from '../sessions';
import { spendOutstandingCodes, spendSessionChallenges, type OtpChallenge } from '../otp';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import { realOrDecoy } from '../otp/real-or-decoy';
import { AuditEvents } from '../audit/audit-events';
import { createSecretToken, keyedHash } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { tableOf } from '../../db/table-of';
import { isUniqueViolation } from '../../db/db-errors';
import { SendTiming } from '../../mail/send-timing';
import type { RequestMeta } from '../request-meta';
import { accountPaths, type AccountContext } from './account-context';
import { ContactChangeEntity, type ContactKind } from './contact-change.entity';
import { emailChangeNoticeMail, emailTakenNoticeMail } from './account-mail';

export const UNDO_PURPOSE = 'email-change-undo';
const PHONE_CHANGE_TIMING_KIND = 'phone-change';

/**
 * Email and phone changes: the request (a code to the new address; a decoy when it is taken), the finish
 * (verifyOtp's EMAIL_CHANGE and PHONE_CHANGE handlers) and what a revoked session's pending changes become.
 * The undo link and the notices after a change are in contact-change-notices.ts.
 */
export class ContactChanges {
  /** Texts only (a refusing SMTP server must not make phone-change decoys fail while real requests succeed). */
  private readonly phoneTiming = new SendTiming();

  constructor(private readonly context: AccountContext) {}

  private get deps() {
    return this.context.deps;
  }

  /**
   * A session was revoked (any path): the contact changes it started and left pending are marked undone, and
   * their challenges, with every challenge opened for that session (re-authentication), are spent (through
   * the otp module, which owns them). In the revoking transaction.
   */
  async spendPendingOf(em: EntityManager, userId: string, sessionIds: readonly string[]): Promise<void> {
    const now = this.deps.now();
    const undone: { challenge_id: string | null }[] = await em.query(
      `WITH c AS (
         UPDATE ${tableOf(em, ContactChangeEntity)} SET undone_at = $3
         WHERE user_id = $1 AND session_id = ANY($2::uuid[]) AND confirmed_at IS NULL AND undone_at IS NULL
         RETURNING challenge_id
       )
       SELECT challenge_id FROM c`,
      [userId, [...sessionIds], now],
    );
    const challengeIds = undone.map((r) => r.challenge_id).filter((id): id is string => id !== null);
    await spendSessionChallenges(em, userId, sessionIds, challengeIds, now);
  }

  /**
   * Spends the codes and links that went to an address the account no longer has (an email or phone change
   * was confirmed). Links are always mailed, so an email change spends every outstanding code and link
   * (voidOutstanding); a phone change, the codes texted to the old number.
   */
  private async voidSentTo(em: EntityManager, userId: string, kind: ContactKind, oldValue: string): Promise<void> {
    if (kind === 'EMAIL') return this.context.voidOutstanding(em, userId);
    await spendOutstandingCodes(em, userId, this.deps.now(), { destination: oldValue });
  }

  /**
   * Emails an EMAIL_CHANGE code to the new address and a notice with a single-use undo link to the old one.
   * A new address that belongs to another account gets the same answer: a decoy challenge (no code can
   * satisfy it), the same notice to the old address, and a notice to the address's owner instead of a code.
   */
  async requestEmailChange(viewer: Viewer, input: { newEmail: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    const newEmail = normalizeEmail(input.newEmail);
    const user = await this.context.loadUser(this.deps.dataSource.manager, viewer.userId);
    if (user.email === newEmail) throw WardenError.badInput('That is already your email address.', 'newEmail');
    const owner = await this.deps.users.findByEmail(this.deps.dataSource.manager, newEmail);
    const undo = createSecretToken();
    const undoExpiresAt = new Date(this.deps.now().getTime() + this.deps.limits.emailChangeUndoTtlSeconds * 1000);
    const days = Math.max(1, Math.round(this.deps.limits.emailChangeUndoTtlSeconds / 86_400));
    const oldNotice = user.email
      ? emailChangeNoticeMail(
          this.deps.productName,
          maskEmail(newEmail),
          this.context.url(accountPaths.undoEmailChange, { token: undo.token }),
          days,
          await this.context.waysIn(user),
        )
      : null;
    const changeRow = (em: EntityManager, challengeId: string) =>
      em.insert(ContactChangeEntity, {
        id: undo.id,
        userId: user.id,
        sessionId: viewer.sessionId,
        kind: 'EMAIL' as ContactKind,
        oldValue: user.email,
        oldVerified: user.emailVerified,
        newValue: newEmail,
        challengeId,
        undoSecretHash: user.email ? keyedHash(this.deps.hmacKey, UNDO_PURPOSE, undo.secret) : null,
        undoExpiresAt: user.email ? undoExpiresAt : null,
        confirmedAt: null,
        undoneAt: null,
      });
    const requested = (challengeId: string, taken: boolean) => ({
      event: AuditEvents.emailChangeRequested,
      outcome: taken ? ('failure' as const) : ('success' as const),
      userId: user.id,
      meta,
      data: { challengeId, changeId: undo.id, ...(taken ? { reason: 'address_taken' } : {}) },
    });

    if (owner) {
      const challenge = await this.deps.challenges.issueDecoy({
        userId: null,
        channel: 'EMAIL',
        purpose: 'EMAIL_CHANGE',
        destination: newEmail,
        audit: (c) => [
          requested(c.id, true),
          { event: AuditEvents.signupDuplicateAttempted, outcome: 'failure', userId: owner.id, meta, data: { flow: 'email_change' } },
        ],
      });
      await withTransaction(this.deps.dataSource, (em) => changeRow(em, challenge.id));
      if (oldNotice) await this.context.notify(user.email, oldNotice, 'email_change_notice', user.id, meta);
      await this.context.notify(newEmail, emailTakenNoticeMail(this.deps.productName, this.deps.appUrl), 'email_taken_notice', owner.id, meta);
      return this.deps.challenges.toChallengeType(challenge);
    }
    try {
      const { challenge } = await this.deps.challenges.issue({
        channel: 'EMAIL',
        purpose: 'EMAIL_CHANGE',
        destination: newEmail,
        userId: user.id,
        write: async (em, c) => {
          await changeRow(em, c.id);
        },
        audit: (c) => [requested(c.id, false)],
        send: async (c, code) => {
          if (oldNotice) await this.deps.mailer.sendRendered(user.email!, oldNotice);
          await this.deps.mailer.sendCode(newEmail, 'EMAIL_CHANGE', code, c.expiresAt);
        },
        spend: async (em) => {
          await em.update(ContactChangeEntity, { id: undo.id }, { undoneAt: this.deps.now() });
        },
      });
      return this.deps.challenges.toChallengeType(challenge);
    } catch (error) {
      await this.deps.audit.recordDeliveryFailure(error, { flow: 'email_change', channel: 'EMAIL', userId: user.id, meta });
      throw error;
    }
  }

  /**
   * Texts a PHONE_CHANGE code (same SMS path and caps as every code). A number that belongs to another account
   * gets a decoy and no text, through the same skeleton as the email flows (realOrDecoy): the same send counts,
   * the same SMS policy (country allowlist, per-phone and per-country caps), and an answer no sooner than a real
   * text would take, so a taken number and a free one look alike by answer, limits and latency (F10).
   */
  async requestPhoneChange(viewer: Viewer, input: { phone: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    const phone = normalizePhone(input.phone);
    const user = await this.context.loadUser(this.deps.dataSource.manager, viewer.userId);
    if (user.phone === phone && user.phoneVerified) throw WardenError.badInput('That is already your phone number.', 'phone');
    const owner = await this.deps.users.findByPhone(this.deps.dataSource.manager, phone);
    const changeId = randomUUID();
    const row = (challengeId: string) => ({
      id: changeId,
      userId: user.id,
      sessionId: viewer.sessionId,
      kind: 'PHONE' as ContactKind,
      oldValue: user.phone,
      oldVerified: user.phoneVerified,
      newValue: phone,
      challengeId,
      undoSecretHash: null,
      undoExpiresAt: null,
      confirmedAt: null,
      undoneAt: null,
    });
    const taken = owner !== null && owner.id !== user.id;
    const challenge = await realOrDecoy(
      { timing: this.phoneTiming, audit: this.deps.audit },
      PHONE_CHANGE_TIMING_KIND,
      taken ? null : { userId: user.id, flow: 'phone_change', channel: 'SMS', meta },
      async () =>
        (
          await this.deps.challenges.issue({
            channel: 'SMS',
            purpose: 'PHONE_CHANGE',
            destination: phone,
            userId: user.id,
            write: async (em, c) => {
              await em.insert(ContactChangeEntity, row(c.id));
            },
            audit: (c) => [{ event: AuditEvents.phoneChangeRequested, userId: user.id, meta, data: { challengeId: c.id, changeId } }],
          })
        ).challenge,
      async () => {
        const decoy = await this.deps.challenges.issueDecoy({
          userId: null,
          channel: 'SMS',
          purpose: 'PHONE_CHANGE',
          destination: phone,
          audit: (c) => [
            { event: AuditEvents.phoneChangeRequested, outcome: 'failure', userId: user.id, meta, data: { challengeId: c.id, reason: 'phone_taken' } },
          ],
        });
        await this.deps.dataSource.manager.insert(ContactChangeEntity, row(decoy.id));
        return decoy;
      },
    );
    return this.deps.challenges.toChallengeType(challenge);
  }

  /**
   * Before the challenge is consumed (PurposeHandler.lockFirst): the user row, then the session that asked for
   * the change, in the order every revocation takes them, so finishing a change and revoking its session wait for
   * each other instead of deadlocking (F2). A decoy (no user) locks nothing.
   */
  async lockForContactChange(em: EntityManager, challenge: OtpChallenge): Promise<void> {
    if (!challenge.userId) return;
    await lockUser(em, challenge.userId);
    const change = await em.findOne(ContactChangeEntity, { where: { challengeId: challenge.id }, select: { id: true, sessionId: true } });
    if (change?.sessionId) {
      await lockSession(em, change.sessionId, 'share');
    }
  }

  /**
   * verifyOtp of an EMAIL_CHANGE or PHONE_CHANGE code: switches the address (verified) and signs in afresh.
   * Two pending changes to one address: the unique index decides; the loser's code is spent and answered
   * BAD_USER_INPUT (its address is no longer free), nothing else changes.
   */
  async finishContactChange(em: EntityManager, challenge: OtpChallenge, meta: RequestMeta): Promise<IssuedSession> {
    const change = await em.findOne(ContactChangeEntity, { where: { challengeId: challenge.id }, lock: { mode: 'pessimistic_write' } });
    if (!change || change.undoneAt || change.confirmedAt) throw new WardenError('OTP_EXPIRED');
    const isEmail = change.kind === 'EMAIL';
    // The session that asked must still be live (not revoked, not expired): a change begun on a session that
    // was ended since is dead with it. Read under a share lock, so a revocation committing meanwhile is seen.
    const session = change.sessionId ? await sessionState(em, change.sessionId, { share: true }) : null;
    if (!session || session.revokedAt || session.expiresAt <= this.deps.now()) {
      await em.update(ContactChangeEntity, { id: change.id }, { undoneAt: this.deps.now() });
      await this.deps.audit.record(em, {
        event: isEmail ? AuditEvents.emailChanged : AuditEvents.phoneChanged,
        outcome: 'failure',
        userId: change.userId,
        meta,
        data: { changeId: change.id, reason: 'session_ended' },
      });
      // Returned, not thrown: the challenge stays spent.
      return { refused: new WardenError('OTP_EXPIRED', { message: 'The session that asked for this change has ended.' }) };
    }
    const user = await lockUser(em, change.userId);
    if (!user) throw new WardenError('OTP_EXPIRED');
    const patch = isEmail ? { email: change.newValue, emailVerified: true } : { phone: change.newValue, phoneVerified: true };
    await em.query('SAVEPOINT contact_change');
    try {
      await updateUser(em, user.id, patch);
      this.deps.users.usersChanged(em, [user.id]);
      await em.query('RELEASE SAVEPOINT contact_change');
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      await em.query('ROLLBACK TO SAVEPOINT contact_change');
      await this.deps.audit.record(em, {
        event: isEmail ? AuditEvents.emailChanged : AuditEvents.phoneChanged,
        outcome: 'failure',
        userId: user.id,
        meta,
        data: { changeId: change.id, reason: 'address_taken' },
      });
      return {
        refused: WardenError.badInput(
          isEmail ? 'That email address is no longer available.' : 'That phone number is no longer available.',
          isEmail ? 'newEmail' : 'phone',
        ),
      };
    }
    const changed = (Object.keys(patch) as (keyof typeof patch)[]).filter((k) => user[k] !== patch[k]);
    Object.assign(user, patch);
    await this.deps.users.userUpdated(em, user.id, changed);
    await em.update(ContactChangeEntity, { id: change.id }, { confirmedAt: this.deps.now() });
    // The old address keeps no key: codes and links sent to it are spent (F4).
    if (change.oldValue && change.oldValue !== change.newValue) await this.voidSentTo(em, user.id, change.kind, change.oldValue);
    await this.deps.audit.record(em, {
      event: isEmail ? AuditEvents.emailChanged : AuditEvents.phoneChanged,
      userId: user.id,
      meta,
      data: { changeId: change.id },
    });
    return this.deps.sessions.signIn(em, {
      user,
      meta,
      method: isEmail ? 'email_change' : 'phone_change',
      amr: isEmail ? ['otp', 'email'] : ['otp', 'sms'],
    });
  }
}
