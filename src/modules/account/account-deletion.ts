import { EventTypes, eventUser } from '../events/outbox';
import type { EntityManager } from 'typeorm';
import { lockUser, updateUser } from '../users';
import { normalizeEmail } from '../users/identifiers';
import { soleOwnedOrganizationsWithOthers } from '../organizations';
import type { IssuedSession, Viewer } from '../sessions/sessions.service';
import type { OtpChallenge } from '../otp';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import { dropUnverifiedPassword } from '../password/unverified-password';
import { AuditEvents } from '../audit/audit-events';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { RequestMeta } from '../request-meta';
import { accountPaths, type AccountContext } from './account-context';
import { accountDeletedMail } from './account-mail';

const DAY_MS = 86_400_000;
const RECOVERY_TIMING_KIND = 'account-recovery';

/** Deletion with a grace period, and recovery by an ACCOUNT_RECOVERY code until it ends. */
export class AccountDeletion {
  constructor(private readonly context: AccountContext) {}

  private get deps() {
    return this.context.deps;
  }

  /** Marks the account deleted (erased after ACCOUNT_DELETION_GRACE_DAYS), ends every session at once, mails recovery instructions. */
  async deleteAccount(viewer: Viewer, meta: RequestMeta): Promise<{ scheduledAt: Date }> {
    const now = this.deps.now();
    const eraseAt = new Date(now.getTime() + this.deps.limits.accountDeletionGraceDays * DAY_MS);
    const email = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.context.loadUser(em, viewer.userId, true);
      // An organization always keeps an owner (contract, LAST_OWNER): transfer ownership or delete it first.
      const organizationIds = await soleOwnedOrganizationsWithOthers(em, user.id);
      if (organizationIds.length > 0) {
        throw new WardenError('LAST_OWNER', {
          message: 'You are the only owner of an organization with other members: transfer its ownership or delete it first.',
          extensions: { organizationIds },
        });
      }
      await updateUser(em, user.id, { deletedAt: now, eraseAt });
      this.deps.users.usersChanged(em, [user.id]);
      await this.deps.sessions.revokeAllInTransaction(em, user.id, 'account_deleted', meta);
      await this.context.voidOutstanding(em, user.id);
      await this.deps.audit.record(em, { event: AuditEvents.accountDeleted, userId: user.id, meta, data: { eraseAt: eraseAt.toISOString() } });
      await this.deps.users.emit(em, {
        type: EventTypes.userDeleted,
        aggregateType: 'user',
        aggregateId: user.id,
        data: { userId: user.id, scheduledAt: eraseAt },
      });
      return user.email;
    });
    await this.context.notify(
      email,
      accountDeletedMail(this.deps.productName, this.context.url(accountPaths.recover), eraseAt),
      'account_deleted_notice',
      viewer.userId,
      meta,
    );
    return { scheduledAt: eraseAt };
  }

  /** Same answer for every email; an ACCOUNT_RECOVERY code is mailed only to an account pending deletion. */
  async requestAccountRecovery(input: { email: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    const email = normalizeEmail(input.email);
    const user = await this.deps.users.findByEmail(this.deps.dataSource.manager, email);
    const pending = user && user.deletedAt && user.eraseAt && user.eraseAt > this.deps.now() ? user : null;
    const challenge = await this.deps.challenges.realOrDecoy(
      RECOVERY_TIMING_KIND,
      pending ? { userId: pending.id, flow: 'account_recovery', channel: 'EMAIL', meta } : null,
      async () =>
        (
          await this.deps.challenges.issue({
            channel: 'EMAIL',
            purpose: 'ACCOUNT_RECOVERY',
            destination: email,
            userId: pending!.id,
            audit: (c) => [{ event: AuditEvents.accountRecoveryRequested, userId: pending!.id, meta, data: { challengeId: c.id } }],
          })
        ).challenge,
      () =>
        this.deps.challenges.issueDecoy({
          userId: null,
          channel: 'EMAIL',
          purpose: 'ACCOUNT_RECOVERY',
          destination: email,
          audit: (c) => [
            {
              event: AuditEvents.accountRecoveryRequested,
              outcome: 'failure',
              userId: user?.id ?? null,
              meta,
              data: { challengeId: c.id, reason: user ? 'not_pending_deletion' : 'unknown_email' },
            },
          ],
        }),
    );
    return this.deps.challenges.toChallengeType(challenge);
  }

  /** recoverAccount: an ACCOUNT_RECOVERY code (only that purpose) cancels the deletion and signs in. */
  async recoverAccount(input: { challengeId: string; code: string }, meta: RequestMeta): Promise<IssuedSession> {
    const challenge = await this.deps.challenges.check(input.challengeId, input.code, ['ACCOUNT_RECOVERY'], meta);
    return withTransaction(this.deps.dataSource, async (em) => {
      if (!(await this.deps.challenges.consume(em, challenge.id))) throw new WardenError('OTP_EXPIRED');
      return this.finishRecovery(em, challenge, meta);
    });
  }

  async finishRecovery(em: EntityManager, challenge: OtpChallenge, meta: RequestMeta): Promise<IssuedSession> {
    const user = challenge.userId ? await lockUser(em, challenge.userId) : null;
    if (!user) throw new WardenError('OTP_EXPIRED');
    if (user.deletedAt) {
      if (!user.eraseAt || user.eraseAt <= this.deps.now()) throw new WardenError('OTP_EXPIRED', { message: 'The grace period is over.' });
      await updateUser(em, user.id, { deletedAt: null, eraseAt: null });
      this.deps.users.usersChanged(em, [user.id]);
      user.deletedAt = null;
      user.eraseAt = null;
      await this.deps.audit.record(em, { event: AuditEvents.accountRecovered, userId: user.id, meta, data: { challengeId: challenge.id } });
      await this.deps.users.emit(em, { type: EventTypes.userRecovered, aggregateType: 'user', aggregateId: user.id, data: { user: eventUser(user) } });
    }
    // The recovery code proves the address: a password set before it was ever verified was never the owner's (F13).
    await dropUnverifiedPassword(em, this.deps.sessions, user, 'recovery_unverified_account_claimed', meta);
    const verified = await this.deps.users.markVerified(em, user, 'EMAIL');
    return this.deps.sessions.signIn(em, { user: verified, meta, method: 'account_recovery', amr: ['otp', 'email'] });
  }
}
