import type { EntityManager } from 'typeorm';
import type { UserEntity } from '../users';
import { exportOrganization, exportProfile } from '../users';
import type { IssuedSession, SignedIn, Viewer } from '../sessions/sessions.service';
import { exportSessions } from '../sessions';
import type { VerifiedContext } from '../otp/challenges.service';
import type { CodePurposes } from '../../kernel/hooks';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import { exportPassword } from '../password';
import { exportSecurityEvents } from '../audit';
import { outsideTransaction } from '../../db/transaction';
import type { RequestMeta } from '../request-meta';
import { AccountContext, type AccountServiceDeps, type ExportSection } from './account-context';
import { AccountExport, type SecurityEventRow } from './account-export';
import { AccountProfile } from './account-profile';
import { ContactChanges } from './contact-change';
import { ContactChangeNotices } from './contact-change-notices';
import { AccountDeletion } from './account-deletion';
import { NewDeviceNotice } from './new-device-notice';
import { ContactChangeEntity } from './contact-change.entity';
import { KnownDeviceEntity } from './known-device.entity';

export { accountPaths, type AccountHooks, type AccountServiceDeps, type ExportSection } from './account-context';
export type { SecurityEventRow } from './account-export';

/**
 * The account lifecycle once signed in: profile, password, email and phone changes (with the undo link),
 * deletion with a recovery grace period, export, security activity and the new-device notice. Each concern is
 * its own class (account-profile, contact-change, contact-change-notices, account-deletion, account-export,
 * new-device-notice); this one gives the module's hooks (its build returns them) and answers the resolvers.
 * Every mail is sent after its transaction committed; notices about a change that already happened are best
 * effort (a refused mail is audited as delivery.failed; the change stands).
 */
export class AccountService {
  private readonly exports: AccountExport;
  private readonly profile: AccountProfile;
  private readonly contactChanges: ContactChanges;
  private readonly contactNotices: ContactChangeNotices;
  private readonly deletion: AccountDeletion;
  private readonly devices: NewDeviceNotice;

  constructor(private readonly deps: AccountServiceDeps) {
    const context = new AccountContext(deps);
    this.exports = new AccountExport(context);
    this.profile = new AccountProfile(context);
    this.contactChanges = new ContactChanges(context);
    this.contactNotices = new ContactChangeNotices(context);
    this.deletion = new AccountDeletion(context);
    this.devices = new NewDeviceNotice(context);
  }

  /** The code purposes this module verifies (EMAIL_CHANGE, PHONE_CHANGE, ACCOUNT_RECOVERY): its codePurposes hook. */
  codePurposes(): CodePurposes {
    const ctxMeta = (ctx: VerifiedContext) => ctx.meta;
    return {
      EMAIL_CHANGE: {
        lockFirst: (em, c) => this.contactChanges.lockForContactChange(em, c),
        onVerified: (em, c, ctx) => this.contactChanges.finishContactChange(em, c, ctxMeta(ctx)),
      },
      PHONE_CHANGE: {
        lockFirst: (em, c) => this.contactChanges.lockForContactChange(em, c),
        onVerified: (em, c, ctx) => this.contactChanges.finishContactChange(em, c, ctxMeta(ctx)),
        afterCommit: (c, issued, ctx) => this.contactNotices.noticePhoneChanged(c, issued, ctx.meta),
      },
      ACCOUNT_RECOVERY: { onVerified: (em, c, ctx) => this.deletion.finishRecovery(em, c, ctxMeta(ctx)) },
    };
  }

  /** Its onSessionsRevoked hook: whatever a revoked session started and left pending dies with it (F2). */
  readonly onSessionsRevoked = (em: EntityManager, userId: string, sessionIds: readonly string[]): Promise<void> =>
    this.contactChanges.spendPendingOf(em, userId, sessionIds);

  /** Its onSignedIn hook, called during COMMIT: the new-device notice runs after it, outside the transaction's context. */
  readonly onSignedIn = (signedIn: SignedIn): void =>
    outsideTransaction(() => {
      void this.noticeDevice(signedIn).catch((error) => this.deps.onBackgroundError?.(error));
    });

  /**
   * Its own exportAccountData sections (its exportSections hook), never secrets, through the owning modules'
   * row functions; identities, mfaFactors and passkeys come from their modules' hooks.
   */
  exportSections(): Record<string, ExportSection> {
    return {
      profile: exportProfile,
      organization: exportOrganization,
      password: exportPassword,
      sessions: exportSessions,
      contactChanges: exportContactChanges,
      knownDevices: exportKnownDevices,
      securityEvents: exportSecurityEvents,
    };
  }

  // --- Profile and password (account-profile.ts) ----------------------------------------------------

  updateProfile(viewer: Viewer, input: { name?: string | null }, meta: RequestMeta): Promise<UserEntity> {
    return this.profile.updateProfile(viewer, input, meta);
  }

  changePassword(viewer: Viewer, input: { currentPassword: string; newPassword: string }, meta: RequestMeta): Promise<IssuedSession> {
    return this.profile.changePassword(viewer, input, meta);
  }

  setPassword(viewer: Viewer, input: { newPassword: string }, meta: RequestMeta): Promise<IssuedSession> {
    return this.profile.setPassword(viewer, input, meta);
  }

  // --- Email and phone changes (contact-change.ts, contact-change-notices.ts) -----------------------

  requestEmailChange(viewer: Viewer, input: { newEmail: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    return this.contactChanges.requestEmailChange(viewer, input, meta);
  }

  requestPhoneChange(viewer: Viewer, input: { phone: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    return this.contactChanges.requestPhoneChange(viewer, input, meta);
  }

  undoEmailChange(token: string, meta: RequestMeta): Promise<boolean> {
    return this.contactNotices.undoEmailChange(token, meta);
  }

  // --- Deletion and recovery (account-deletion.ts) --------------------------------------------------

  deleteAccount(viewer: Viewer, meta: RequestMeta): Promise<{ scheduledAt: Date }> {
    return this.deletion.deleteAccount(viewer, meta);
  }

  requestAccountRecovery(input: { email: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    return this.deletion.requestAccountRecovery(input, meta);
  }

  recoverAccount(input: { challengeId: string; code: string }, meta: RequestMeta): Promise<IssuedSession> {
    return this.deletion.recoverAccount(input, meta);
  }

  // --- Export and activity (account-export.ts) ------------------------------------------------------

  exportAccountData(viewer: Viewer, meta: RequestMeta): Promise<Record<string, unknown>> {
    return this.exports.exportAccountData(viewer, meta);
  }

  securityEvents(
    userId: string,
    first: number,
    after: string | null | undefined,
  ): Promise<{ nodes: SecurityEventRow[]; endCursor: string | null; hasNextPage: boolean }> {
    return this.exports.securityEvents(userId, first, after);
  }

  // --- New-device notice (new-device-notice.ts) -----------------------------------------------------

  noticeDevice(signedIn: SignedIn): Promise<boolean> {
    return this.devices.noticeDevice(signedIn);
  }
}

/** The `contactChanges` section of exportAccountData (no undo secret). */
async function exportContactChanges(em: EntityManager, userId: string): Promise<unknown[]> {
  return (await em.find(ContactChangeEntity, { where: { userId }, order: { createdAt: 'DESC' } })).map((c) => ({
    id: c.id,
    kind: c.kind,
    oldValue: c.oldValue,
    newValue: c.newValue,
    createdAt: c.createdAt,
    confirmedAt: c.confirmedAt,
    undoneAt: c.undoneAt,
  }));
}

/** The `knownDevices` section of exportAccountData (no fingerprint). */
async function exportKnownDevices(em: EntityManager, userId: string): Promise<unknown[]> {
  return (await em.find(KnownDeviceEntity, { where: { userId }, order: { firstSeenAt: 'ASC' } })).map((d) => ({
    firstSeenAt: d.firstSeenAt,
    lastSeenAt: d.lastSeenAt,
  }));
}
