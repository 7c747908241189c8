import { findUser, lockUser, updateUser } from '../users';
import { maskEmail, maskPhone } from '../users/identifiers';
import type { IssuedSession } from '../sessions/sessions.service';
import type { OtpChallenge } from '../otp';
import { AuditEvents } from '../audit/audit-events';
import { keyedHash, keyedHashMatches, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { isUniqueViolation } from '../../db/db-errors';
import type { RequestMeta } from '../request-meta';
import { accountPaths, type AccountContext } from './account-context';
import { ContactChangeEntity } from './contact-change.entity';
import { UNDO_PURPOSE } from './contact-change';
import { emailChangeUndoneMail, phoneChangedMail, phoneChangedText } from './account-mail';

/** After a contact change: the phone-change notices, and the undo link the old email address was sent. */
export class ContactChangeNotices {
  constructor(private readonly context: AccountContext) {}

  private get deps() {
    return this.context.deps;
  }

  /**
   * After a phone change committed: a notice to the account's email, and a text to the old phone where there
   * was a verified one. Delivery failures are audited; nothing is thrown (the change stands).
   */
  async noticePhoneChanged(challenge: OtpChallenge, issued: IssuedSession, meta: RequestMeta): Promise<void> {
    if ('refused' in issued) return;
    try {
      const em = this.deps.dataSource.manager;
      const change = await em.findOne(ContactChangeEntity, { where: { challengeId: challenge.id, kind: 'PHONE' } });
      if (!change?.confirmedAt) return;
      const user = await findUser(em, change.userId);
      if (!user) return;
      const oldPhone = change.oldValue && change.oldVerified && change.oldValue !== change.newValue ? change.oldValue : null;
      if (user.email) {
        const mail = phoneChangedMail(
          this.deps.productName,
          maskPhone(change.newValue),
          oldPhone ? maskPhone(oldPhone) : null,
          await this.context.waysIn(user),
          this.context.url(accountPaths.security),
        );
        await this.context.notify(user.email, mail, 'phone_changed_notice', user.id, meta);
      }
      if (oldPhone) {
        try {
          await this.deps.sms.send({ to: oldPhone, body: phoneChangedText(this.deps.productName) });
        } catch (error) {
          await this.deps.audit.recordDeliveryFailure(error, { flow: 'phone_changed_notice', channel: 'SMS', userId: user.id, meta });
        }
      }
    } catch (error) {
      this.deps.onBackgroundError?.(error);
    }
  }

  /**
   * The undo link from the old address's notice: single use, EMAIL_CHANGE_UNDO_TTL_SECONDS. Restores the old
   * address (even after the new one was confirmed), ends every session and voids outstanding codes and links of
   * both addresses; the address the account had until then is mailed that the change was undone (F4).
   * Kept after confirmation on purpose: it is the owner's way back from an email change made on a hijacked
   * session (F2); the new address is told, so a compromised old mailbox can no longer do it silently.
   */
  async undoEmailChange(token: string, meta: RequestMeta): Promise<boolean> {
    const parsed = parseSecretToken(token);
    const invalid = () => new WardenError('INVALID_TOKEN', { message: 'This undo link is invalid, used or expired.' });
    if (!parsed) throw invalid();
    const undone = await withTransaction(this.deps.dataSource, async (em) => {
      const change = await em.findOne(ContactChangeEntity, { where: { id: parsed.id, kind: 'EMAIL' }, lock: { mode: 'pessimistic_write' } });
      const expected = change?.undoSecretHash ?? keyedHash(this.deps.hmacKey, UNDO_PURPOSE, 'never-matches');
      const matches = keyedHashMatches(expected, this.deps.hmacKey, this.deps.previousHmacKey, UNDO_PURPOSE, parsed.secret);
      if (!change || !change.undoSecretHash || !matches || change.undoneAt || !change.undoExpiresAt || change.undoExpiresAt <= this.deps.now()) {
        return null;
      }
      const user = await lockUser(em, change.userId);
      if (!user) return null;
      const current = user.email;
      await em.update(ContactChangeEntity, { id: change.id }, { undoneAt: this.deps.now() });
      if (change.confirmedAt && user.email !== change.oldValue) {
        try {
          await em.query('SAVEPOINT undo_email');
          await updateUser(em, user.id, { email: change.oldValue, emailVerified: change.oldVerified });
          this.deps.users.usersChanged(em, [user.id]);
          await this.deps.users.userUpdated(em, user.id, user.emailVerified === change.oldVerified ? ['email'] : ['email', 'emailVerified']);
          await em.query('RELEASE SAVEPOINT undo_email');
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // The old address was taken by another account meanwhile: nothing to restore it to.
          await em.query('ROLLBACK TO SAVEPOINT undo_email');
          throw new WardenError('INVALID_TOKEN', { message: 'The previous address now belongs to another account.' });
        }
      }
      await this.deps.sessions.revokeAllInTransaction(em, user.id, 'email_change_undone', meta);
      await this.context.voidOutstanding(em, user.id);
      await this.deps.audit.record(em, {
        event: AuditEvents.emailChangeUndone,
        userId: user.id,
        meta,
        data: { changeId: change.id, wasConfirmed: change.confirmedAt !== null },
      });
      return { userId: user.id, current, restored: change.confirmedAt ? change.oldValue : current };
    });
    if (!undone) {
      await this.deps.audit.recordAlone({ event: AuditEvents.emailChangeUndone, outcome: 'failure', meta, data: { reason: 'invalid_token' } });
      throw invalid();
    }
    // The address the account had until now is told (F4): after a confirmed change it is the new one, which
    // otherwise would learn nothing while the old mailbox takes the account back.
    const mail = emailChangeUndoneMail(this.deps.productName, undone.restored ? maskEmail(undone.restored) : null, this.context.url(accountPaths.security));
    await this.context.notify(undone.current, mail, 'email_change_undone_notice', undone.userId, meta);
    return true;
  }
}
