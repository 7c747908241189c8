import { updateUser, type UserEntity } from '../users';
import { optionalText } from '../users/identifiers';
import type { IssuedSession, Viewer } from '../sessions/sessions.service';
import { hasPassword, insertPassword, passwordHashOf } from '../password';
import { AuditEvents } from '../audit/audit-events';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { isUniqueViolation } from '../../db/db-errors';
import type { RequestMeta } from '../request-meta';
import type { AccountContext } from './account-context';
import { passwordSetMail } from './account-mail';
import { passwordChangedMail } from '../../mail/templates/templates';

/** Profile and password: updateProfile, changePassword, setPassword. */
export class AccountProfile {
  constructor(private readonly context: AccountContext) {}

  private get deps() {
    return this.context.deps;
  }

  async updateProfile(viewer: Viewer, input: { name?: string | null }, meta: RequestMeta): Promise<UserEntity> {
    const name = optionalText(input.name, 'name', this.deps.limits.maxStringLength);
    return withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.context.loadUser(em, viewer.userId, true);
      await updateUser(em, user.id, { name });
      this.deps.users.usersChanged(em, [user.id]);
      user.name = name;
      await this.deps.audit.record(em, { event: AuditEvents.profileUpdated, userId: user.id, meta, data: { fields: ['name'] } });
      await this.deps.users.userUpdated(em, user.id, ['name']);
      return user;
    });
  }

  /** Checks the current password; ends every other session, voids codes and links, mails a notice. */
  async changePassword(viewer: Viewer, input: { currentPassword: string; newPassword: string }, meta: RequestMeta): Promise<IssuedSession> {
    if (typeof input.currentPassword !== 'string' || input.currentPassword.length === 0)
      throw WardenError.badInput('Enter your current password.', 'currentPassword');
    const newPassword = await this.deps.passwords.checkNewPassword(input.newPassword, 'newPassword');
    const em0 = this.deps.dataSource.manager;
    // Wrong current passwords count toward the account's password-login lockout (keyed as login keys it, by
    // the email): a stolen session cannot guess the password faster than login could, and past the threshold
    // even the right one is refused until the lock ends.
    const account = await this.context.loadUser(em0, viewer.userId);
    const attempt = await this.deps.lockout.begin(account.email ?? `user:${account.id}`);
    const passwordHash0 = await passwordHashOf(em0, viewer.userId);
    const ok =
      passwordHash0 !== null ? await this.deps.hasher.verify(input.currentPassword, passwordHash0) : await this.deps.hasher.verifyDummy(input.currentPassword);
    if (!ok) {
      await attempt.failed();
      await this.deps.audit.recordAlone({
        event: AuditEvents.passwordChanged,
        outcome: 'failure',
        userId: viewer.userId,
        meta,
        data: { reason: passwordHash0 !== null ? 'wrong_password' : 'no_password' },
      });
      throw new WardenError('INVALID_CREDENTIALS', { message: 'The current password is not right.' });
    }
    await attempt.succeeded();
    const passwordHash = await this.deps.passwords.hashCheckedPassword(newPassword, 'newPassword');
    const { issued, email } = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.context.loadUser(em, viewer.userId, true);
      await this.deps.passwords.setPassword(em, user.id, passwordHash);
      await this.deps.sessions.revokeAllInTransaction(em, user.id, 'password_changed', meta, viewer.sessionId);
      await this.context.voidOutstanding(em, user.id);
      await this.deps.audit.record(em, { event: AuditEvents.passwordChanged, userId: user.id, meta });
      await this.deps.users.userUpdated(em, user.id, ['password']);
      // New tokens for this session without counting as re-authentication: the current password alone must not make the
      // session "recent" (that would skip the second factor for removeMfaFactor, requestEmailChange…; review finding).
      const issued = await this.deps.sessions.continueSession(em, viewer.sessionId, user.id);
      if (!issued) throw new WardenError('UNAUTHENTICATED');
      return { issued, email: user.email };
    });
    await this.context.notify(email, passwordChangedMail(this.deps.productName), 'password_changed_notice', viewer.userId, meta);
    return issued;
  }

  /** For accounts without a password (provider-only, passwordless): sets one. Recent authentication (resolver). */
  async setPassword(viewer: Viewer, input: { newPassword: string }, meta: RequestMeta): Promise<IssuedSession> {
    const passwordHash = await this.deps.passwords.hashNewPassword(input.newPassword, 'newPassword');
    const taken = () => WardenError.badInput('A password is already set: use changePassword.', 'newPassword');
    try {
      const { issued, user } = await withTransaction(this.deps.dataSource, async (em) => {
        const user = await this.context.loadUser(em, viewer.userId, true);
        if (await hasPassword(em, user.id)) throw taken();
        await insertPassword(em, user.id, passwordHash);
        await this.deps.audit.record(em, { event: AuditEvents.passwordSet, userId: user.id, meta });
        await this.deps.users.userUpdated(em, user.id, ['password']);
        return { issued: await this.deps.sessions.reauthenticate(em, viewer.sessionId, ['pwd'], meta), user };
      });
      await this.context.notify(user.email, passwordSetMail(this.deps.productName, await this.context.waysIn(user)), 'password_set_notice', user.id, meta);
      return issued;
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  }
}
