import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import type { UsersService } from '../users/users.service';
import { maskEmail, maskPhone, normalizeEmail, normalizePhone, optionalText } from '../users/identifiers';
import type { IssuedSession, SessionsService, SignedIn, Viewer } from '../sessions/sessions.service';
import { SessionEntity } from '../sessions/session.entity';
import type { ChallengesService, VerifiedContext } from '../otp/challenges.service';
import { OtpChallengeEntity } from '../otp/otp-challenge.entity';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import type { PasswordService } from '../password/password.service';
import { PasswordCredentialEntity } from '../password/password-credential.entity';
import { MagicLinkTokenEntity } from '../magic-link/magic-link-token.entity';
import { PasswordResetTokenEntity } from '../password-reset/password-reset-token.entity';
import type { AuditService } from '../audit/audit.service';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { AuditEvents } from '../audit/audit-events';
import type { PasswordHasher } from '../../crypto/password-hasher';
import { createSecretToken, isUuid, keyedHash, keyedHashMatches, parseSecretToken } from '../../crypto/secret-token';
import type { KvStore } from '../../store/kv-store';
import type { Mailer } from '../../mail/mailer';
import type { RenderedMail } from '../../mail/templates/templates';
import { WardenError } from '../../errors/warden-error';
import { dropUnverifiedPassword } from '../password/unverified-password';
import { outsideTransaction, withTransaction } from '../../db/transaction';
import { tableOf } from '../../db/table-of';
import { isUniqueViolation } from '../../db/db-errors';
import type { Limits } from '../../config/limits';
import type { RequestMeta } from '../request-meta';
import type { LoginLockout } from '../rate-limits/login-lockout';
import { realOrDecoy } from '../otp/real-or-decoy';
import { SendTiming } from '../../mail/send-timing';
import type { SmsSender } from '../../sms/sms-sender';
import { ContactChangeEntity, type ContactKind } from './contact-change.entity';
import { KnownDeviceEntity } from './known-device.entity';
import { KnownDevices } from './known-devices';
import { networkOf, userAgentFamily } from './device-fingerprint';
import {
  accountDeletedMail,
  emailChangeNoticeMail,
  emailChangeUndoneMail,
  emailTakenNoticeMail,
  newSignInMail,
  passwordSetMail,
  phoneChangedMail,
  phoneChangedText,
} from './account-mail';

export interface AccountServiceDeps {
  dataSource: DataSource;
  kv: KvStore;
  users: UsersService;
  sessions: SessionsService;
  challenges: ChallengesService;
  passwords: PasswordService;
  hasher: PasswordHasher;
  audit: AuditService;
  mailer: Mailer;
  /** The notice texted to the old phone after a phone change. */
  sms: SmsSender;
  /** The password-login lockout: changePassword's wrong current passwords count toward it (same key as login). */
  lockout: LoginLockout;
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS: undo links hashed under it still match after a rotation (F12). */
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  appUrl: string;
  productName: string;
  now: () => Date;
  /** Background failures (the new-device notice) are logged here, never thrown. */
  onBackgroundError?: (error: unknown) => void;
}

/** Where the example app (examples/web) serves the pages that mails link to. */
export const accountPaths = {
  security: '/settings/security',
  recover: '/account/recover',
  undoEmailChange: '/account/undo-email',
} as const;

/** Audit events shown by User.securityEvents: everything about the account but routine token refreshes. */
const HIDDEN_FROM_ACTIVITY = ['session.refreshed'];

const DAY_MS = 86_400_000;
const UNDO_PURPOSE = 'email-change-undo';
const DEVICE_PURPOSE = 'known-device';
const RECOVERY_TIMING_KIND = 'account-recovery';
const PHONE_CHANGE_TIMING_KIND = 'phone-change';

/** One section of exportAccountData; other capabilities (identities, factors, passkeys) add theirs. */
export type ExportSection = (em: EntityManager, userId: string) => Promise<unknown>;

export interface SecurityEventRow {
  id: string;
  type: string;
  outcome: string;
  method: string | null;
  createdAt: Date;
  ip: string | null;
  userAgent: string | null;
}

/**
 * The account lifecycle once signed in: profile, password, email and phone changes (with the undo link),
 * deletion with a recovery grace period, export, security activity and the new-device notice.
 * Every mail is sent after its transaction committed; notices about a change that already happened are best
 * effort (a refused mail is audited as delivery.failed; the change stands).
 */
export class AccountService {
  private readonly exportSections = new Map<string, ExportSection>();
  private readonly placeholderSections = new Set<string>();
  private readonly knownDevices: KnownDevices;
  /** Texts only (a refusing SMTP server must not make phone-change decoys fail while real requests succeed). */
  private readonly phoneTiming = new SendTiming();

  constructor(private readonly deps: AccountServiceDeps) {
    this.knownDevices = new KnownDevices(deps.dataSource);
    const ctxMeta = (ctx: VerifiedContext) => ctx.meta;
    deps.challenges.registerPurpose('EMAIL_CHANGE', {
      lockFirst: (em, c) => this.lockForContactChange(em, c),
      onVerified: (em, c, ctx) => this.finishContactChange(em, c, ctxMeta(ctx)),
    });
    deps.challenges.registerPurpose('PHONE_CHANGE', {
      lockFirst: (em, c) => this.lockForContactChange(em, c),
      onVerified: (em, c, ctx) => this.finishContactChange(em, c, ctxMeta(ctx)),
      afterCommit: (c, issued, ctx) => this.noticePhoneChanged(c, issued, ctx.meta),
    });
    // Whatever a revoked session started and left pending dies with it (F2).
    deps.sessions.addRevocationListener((em, userId, sessionIds) => this.spendPendingOf(em, userId, sessionIds));
    deps.challenges.registerPurpose('ACCOUNT_RECOVERY', { onVerified: (em, c, ctx) => this.finishRecovery(em, c, ctxMeta(ctx)) });
    // Called during COMMIT: the notice runs after it, outside the transaction's context.
    deps.sessions.addSignInListener((signedIn) =>
      outsideTransaction(() => {
        void this.noticeDevice(signedIn).catch((error) => deps.onBackgroundError?.(error));
      }),
    );
    this.registerExportSection('profile', async (em, userId) => {
      const u = await em.findOneOrFail(UserEntity, { where: { id: userId } });
      return { id: u.id, email: u.email, emailVerified: u.emailVerified, phone: u.phone, phoneVerified: u.phoneVerified, name: u.name, createdAt: u.createdAt };
    });
    this.registerExportSection('organization', async (em, userId) => {
      const u = await em.findOne(UserEntity, { where: { id: userId }, relations: { organization: true } });
      const o = u?.organization;
      return o ? { id: o.id, name: o.name, industry: o.industry, teamSize: o.teamSize, logoUrl: o.logoUrl } : null;
    });
    this.registerExportSection('password', async (em, userId) => {
      const credential = await em.findOne(PasswordCredentialEntity, { where: { userId }, select: { userId: true, createdAt: true, updatedAt: true } });
      return { set: credential !== null, setAt: credential?.createdAt ?? null, changedAt: credential?.updatedAt ?? null };
    });
    this.registerExportSection('sessions', async (em, userId) =>
      (await em.find(SessionEntity, { where: { userId }, order: { createdAt: 'DESC' } })).map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        lastAuthenticatedAt: s.lastAuthenticatedAt,
        expiresAt: s.expiresAt,
        revokedAt: s.revokedAt,
        authenticatorAssuranceLevel: s.aal,
        amr: s.amr,
        ip: s.ip,
        userAgent: s.userAgent,
      })),
    );
    this.registerExportSection('contactChanges', async (em, userId) =>
      (await em.find(ContactChangeEntity, { where: { userId }, order: { createdAt: 'DESC' } })).map((c) => ({
        id: c.id,
        kind: c.kind,
        oldValue: c.oldValue,
        newValue: c.newValue,
        createdAt: c.createdAt,
        confirmedAt: c.confirmedAt,
        undoneAt: c.undoneAt,
      })),
    );
    this.registerExportSection('knownDevices', async (em, userId) =>
      (await em.find(KnownDeviceEntity, { where: { userId }, order: { firstSeenAt: 'ASC' } })).map((d) => ({
        firstSeenAt: d.firstSeenAt,
        lastSeenAt: d.lastSeenAt,
      })),
    );
    for (const name of ['identities', 'mfaFactors', 'passkeys']) {
      this.exportSections.set(name, async () => []);
      this.placeholderSections.add(name);
    }
    this.registerExportSection('securityEvents', async (em, userId) =>
      (await em.find(AuditEventEntity, { where: { userId }, order: { createdAt: 'DESC' } })).map((e) => ({
        id: e.id,
        type: e.event,
        outcome: e.outcome,
        createdAt: e.createdAt,
        ip: e.ip,
        userAgent: e.userAgent,
      })),
    );
  }

  /**
   * Adds a section to exportAccountData: never secrets. `identities`, `mfaFactors` and `passkeys` answer []
   * until the module that owns them registers its own (once).
   */
  registerExportSection(name: string, section: ExportSection): void {
    if (this.exportSections.has(name) && !this.placeholderSections.delete(name)) throw new Error(`export section ${name} registered twice`);
    this.exportSections.set(name, section);
  }

  private url(path: string, query?: Record<string, string>): string {
    const url = new URL(path, this.deps.appUrl);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url.toString();
  }

  private async loadUser(em: EntityManager, userId: string, lock = false): Promise<UserEntity> {
    const user = await em.findOne(UserEntity, { where: { id: userId }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
    if (!user || user.deletedAt) throw new WardenError('UNAUTHENTICATED');
    return user;
  }

  /** A notice about something already committed: a refused mail is audited, never undoes the change. */
  private async notify(to: string | null, mail: RenderedMail, flow: string, userId: string, meta: RequestMeta): Promise<void> {
    if (!to) return;
    try {
      await this.deps.mailer.sendRendered(to, mail);
    } catch (error) {
      if (!(error instanceof WardenError) || error.code !== 'SERVICE_UNAVAILABLE') throw error;
      await this.deps.audit.recordDeliveryFailure(error, { flow, channel: 'EMAIL', userId, meta });
    }
  }

  /** Spends every outstanding code and link of the account (password change, email change undone, deletion). */
  private async voidOutstanding(em: EntityManager, userId: string): Promise<void> {
    const now = this.deps.now();
    for (const entity of [OtpChallengeEntity, MagicLinkTokenEntity, PasswordResetTokenEntity]) {
      await em.createQueryBuilder().update(entity).set({ consumedAt: now }).where('user_id = :userId', { userId }).andWhere('consumed_at IS NULL').execute();
    }
  }

  /**
   * A session was revoked (any path): the contact changes it started and left pending are marked undone, and
   * their challenges, with every challenge opened for that session (re-authentication), are spent. One
   * statement, in the revoking transaction.
   */
  private async spendPendingOf(em: EntityManager, userId: string, sessionIds: readonly string[]): Promise<void> {
    await em.query(
      `WITH c AS (
         UPDATE ${tableOf(em, ContactChangeEntity)} SET undone_at = $3
         WHERE user_id = $1 AND session_id = ANY($2::uuid[]) AND confirmed_at IS NULL AND undone_at IS NULL
         RETURNING challenge_id
       )
       UPDATE ${tableOf(em, OtpChallengeEntity)} SET consumed_at = $3
       WHERE consumed_at IS NULL AND (
         (user_id = $1 AND session_id = ANY($2::uuid[])) OR id IN (SELECT challenge_id FROM c WHERE challenge_id IS NOT NULL)
       )`,
      [userId, [...sessionIds], this.deps.now()],
    );
  }

  /**
   * Spends the codes and links that went to an address the account no longer has (an email or phone change
   * was confirmed). Links are always mailed, so an email change spends every outstanding code and link
   * (voidOutstanding); a phone change, the codes texted to the old number.
   */
  private async voidSentTo(em: EntityManager, userId: string, kind: ContactKind, oldValue: string): Promise<void> {
    if (kind === 'EMAIL') return this.voidOutstanding(em, userId);
    await em
      .createQueryBuilder()
      .update(OtpChallengeEntity)
      .set({ consumedAt: this.deps.now() })
      .where('user_id = :userId', { userId })
      .andWhere('destination = :oldValue', { oldValue })
      .andWhere('consumed_at IS NULL')
      .execute();
  }

  /**
   * The account's ways in, one line each, for the "was this you?" notices: email, phone, passkeys (by name) and
   * linked provider accounts, read through the sections the passkeys and oauth modules registered for export.
   * Takes the user the caller already holds (no second read of the row).
   */
  private async waysIn(user: UserEntity): Promise<string[]> {
    const em = this.deps.dataSource.manager;
    const lines: string[] = [];
    if (user.email) lines.push(`Email: ${maskEmail(user.email)}${user.emailVerified ? '' : ' (not verified)'}`);
    if (user.phone) lines.push(`Phone: ${maskPhone(user.phone)}${user.phoneVerified ? '' : ' (not verified)'}`);
    if (await this.hasPassword(user.id)) lines.push('Password: set');
    const rows = async (name: string) => {
      const section = this.placeholderSections.has(name) ? undefined : this.exportSections.get(name);
      const out = section ? await section(em, user.id) : [];
      return Array.isArray(out) ? (out as Record<string, unknown>[]) : [];
    };
    const text = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : null);
    for (const p of await rows('passkeys')) lines.push(`Passkey: ${text(p.name) ?? 'unnamed'}`);
    for (const i of await rows('identities')) {
      const email = text(i.email);
      lines.push(`Linked account: ${text(i.provider) ?? 'provider'}${email ? ` (${maskEmail(email)})` : ''}`);
    }
    return lines;
  }

  /**
   * After a phone change committed: a notice to the account's email, and a text to the old phone where there
   * was a verified one. Delivery failures are audited; nothing is thrown (the change stands).
   */
  private async noticePhoneChanged(challenge: OtpChallengeEntity, issued: IssuedSession, meta: RequestMeta): Promise<void> {
    if ('refused' in issued) return;
    try {
      const em = this.deps.dataSource.manager;
      const change = await em.findOne(ContactChangeEntity, { where: { challengeId: challenge.id, kind: 'PHONE' } });
      if (!change?.confirmedAt) return;
      const user = await em.findOne(UserEntity, { where: { id: change.userId } });
      if (!user) return;
      const oldPhone = change.oldValue && change.oldVerified && change.oldValue !== change.newValue ? change.oldValue : null;
      if (user.email) {
        const mail = phoneChangedMail(
          this.deps.productName,
          maskPhone(change.newValue),
          oldPhone ? maskPhone(oldPhone) : null,
          await this.waysIn(user),
          this.url(accountPaths.security),
        );
        await this.notify(user.email, mail, 'phone_changed_notice', user.id, meta);
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

  // --- Profile and password ---------------------------------------------------------------------------

  async updateProfile(viewer: Viewer, input: { name?: string | null }, meta: RequestMeta): Promise<UserEntity> {
    const name = optionalText(input.name, 'name', this.deps.limits.maxStringLength);
    return withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.loadUser(em, viewer.userId, true);
      await em.update(UserEntity, { id: user.id }, { name });
      this.deps.users.usersChanged(em, [user.id]);
      user.name = name;
      await this.deps.audit.record(em, { event: AuditEvents.profileUpdated, userId: user.id, meta, data: { fields: ['name'] } });
      return user;
    });
  }

  /** Checks the current password; ends every other session, voids codes and links, mails a notice. */
  async changePassword(viewer: Viewer, input: { currentPassword: string; newPassword: string }, meta: RequestMeta): Promise<IssuedSession> {
    if (typeof input.currentPassword !== 'string' || input.currentPassword.length === 0)
      throw WardenError.badInput('Enter your current password.', 'currentPassword');
    this.deps.passwords.checkNewPassword(input.newPassword, 'newPassword');
    const em0 = this.deps.dataSource.manager;
    // Wrong current passwords count toward the account's password-login lockout (keyed as login keys it, by
    // the email): a stolen session cannot guess the password faster than login could, and past the threshold
    // even the right one is refused until the lock ends.
    const account = await this.loadUser(em0, viewer.userId);
    const attempt = await this.deps.lockout.begin(account.email ?? `user:${account.id}`);
    const credential = await em0.findOne(PasswordCredentialEntity, { where: { userId: viewer.userId } });
    const ok = credential
      ? await this.deps.hasher.verify(input.currentPassword, credential.passwordHash)
      : await this.deps.hasher.verifyDummy(input.currentPassword);
    if (!ok) {
      await attempt.failed();
      await this.deps.audit.recordAlone({
        event: AuditEvents.passwordChanged,
        outcome: 'failure',
        userId: viewer.userId,
        meta,
        data: { reason: credential ? 'wrong_password' : 'no_password' },
      });
      throw new WardenError('INVALID_CREDENTIALS', { message: 'The current password is not right.' });
    }
    await attempt.succeeded();
    const passwordHash = await this.deps.passwords.hashNewPassword(input.newPassword, 'newPassword');
    const { issued, email } = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.loadUser(em, viewer.userId, true);
      await this.deps.passwords.setPassword(em, user.id, passwordHash);
      await this.deps.sessions.revokeAllInTransaction(em, user.id, 'password_changed', meta, viewer.sessionId);
      await this.voidOutstanding(em, user.id);
      await this.deps.audit.record(em, { event: AuditEvents.passwordChanged, userId: user.id, meta });
      return { issued: await this.deps.sessions.reauthenticate(em, viewer.sessionId, ['pwd'], meta), email: user.email };
    });
    if (email) {
      try {
        await this.deps.mailer.sendPasswordChanged(email);
      } catch (error) {
        await this.deps.audit.recordDeliveryFailure(error, { flow: 'password_changed_notice', channel: 'EMAIL', userId: viewer.userId, meta });
      }
    }
    return issued;
  }

  /** For accounts without a password (provider-only, passwordless): sets one. Recent authentication (resolver). */
  async setPassword(viewer: Viewer, input: { newPassword: string }, meta: RequestMeta): Promise<IssuedSession> {
    const passwordHash = await this.deps.passwords.hashNewPassword(input.newPassword, 'newPassword');
    const taken = () => WardenError.badInput('A password is already set: use changePassword.', 'newPassword');
    try {
      const { issued, user } = await withTransaction(this.deps.dataSource, async (em) => {
        const user = await this.loadUser(em, viewer.userId, true);
        if (await em.exists(PasswordCredentialEntity, { where: { userId: user.id } })) throw taken();
        await em.insert(PasswordCredentialEntity, { userId: user.id, passwordHash });
        await this.deps.audit.record(em, { event: AuditEvents.passwordSet, userId: user.id, meta });
        return { issued: await this.deps.sessions.reauthenticate(em, viewer.sessionId, ['pwd'], meta), user };
      });
      await this.notify(user.email, passwordSetMail(this.deps.productName, await this.waysIn(user)), 'password_set_notice', user.id, meta);
      return issued;
    } catch (error) {
      if (isUniqueViolation(error)) throw taken();
      throw error;
    }
  }

  async hasPassword(userId: string): Promise<boolean> {
    return this.deps.dataSource.manager.exists(PasswordCredentialEntity, { where: { userId } });
  }

  // --- Email and phone changes -----------------------------------------------------------------------

  /**
   * Emails an EMAIL_CHANGE code to the new address and a notice with a single-use undo link to the old one.
   * A new address that belongs to another account gets the same answer: a decoy challenge (no code can
   * satisfy it), the same notice to the old address, and a notice to the address's owner instead of a code.
   */
  async requestEmailChange(viewer: Viewer, input: { newEmail: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    const newEmail = normalizeEmail(input.newEmail);
    const user = await this.loadUser(this.deps.dataSource.manager, viewer.userId);
    if (user.email === newEmail) throw WardenError.badInput('That is already your email address.', 'newEmail');
    const owner = await this.deps.users.findByEmail(this.deps.dataSource.manager, newEmail);
    const undo = createSecretToken();
    const undoExpiresAt = new Date(this.deps.now().getTime() + this.deps.limits.emailChangeUndoTtlSeconds * 1000);
    const days = Math.max(1, Math.round(this.deps.limits.emailChangeUndoTtlSeconds / 86_400));
    const oldNotice = user.email
      ? emailChangeNoticeMail(
          this.deps.productName,
          maskEmail(newEmail),
          this.url(accountPaths.undoEmailChange, { token: undo.token }),
          days,
          await this.waysIn(user),
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
      if (oldNotice) await this.notify(user.email, oldNotice, 'email_change_notice', user.id, meta);
      await this.notify(newEmail, emailTakenNoticeMail(this.deps.productName, this.deps.appUrl), 'email_taken_notice', owner.id, meta);
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
    const user = await this.loadUser(this.deps.dataSource.manager, viewer.userId);
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
  private async lockForContactChange(em: EntityManager, challenge: OtpChallengeEntity): Promise<void> {
    if (!challenge.userId) return;
    await em.findOne(UserEntity, { where: { id: challenge.userId }, select: { id: true }, lock: { mode: 'pessimistic_write' } });
    const change = await em.findOne(ContactChangeEntity, { where: { challengeId: challenge.id }, select: { id: true, sessionId: true } });
    if (change?.sessionId) {
      await em.findOne(SessionEntity, { where: { id: change.sessionId }, select: { id: true }, lock: { mode: 'pessimistic_read' } });
    }
  }

  /**
   * verifyOtp of an EMAIL_CHANGE or PHONE_CHANGE code: switches the address (verified) and signs in afresh.
   * Two pending changes to one address: the unique index decides; the loser's code is spent and answered
   * BAD_USER_INPUT (its address is no longer free), nothing else changes.
   */
  private async finishContactChange(em: EntityManager, challenge: OtpChallengeEntity, meta: RequestMeta): Promise<IssuedSession> {
    const change = await em.findOne(ContactChangeEntity, { where: { challengeId: challenge.id }, lock: { mode: 'pessimistic_write' } });
    if (!change || change.undoneAt || change.confirmedAt) throw new WardenError('OTP_EXPIRED');
    const isEmail = change.kind === 'EMAIL';
    // The session that asked must still be live (not revoked, not expired): a change begun on a session that
    // was ended since is dead with it. Read under a share lock, so a revocation committing meanwhile is seen.
    const session = change.sessionId
      ? await em.findOne(SessionEntity, {
          where: { id: change.sessionId },
          select: { id: true, revokedAt: true, expiresAt: true },
          lock: { mode: 'pessimistic_read' },
        })
      : null;
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
    const user = await em.findOne(UserEntity, { where: { id: change.userId }, lock: { mode: 'pessimistic_write' } });
    if (!user) throw new WardenError('OTP_EXPIRED');
    const patch = isEmail ? { email: change.newValue, emailVerified: true } : { phone: change.newValue, phoneVerified: true };
    await em.query('SAVEPOINT contact_change');
    try {
      await em.update(UserEntity, { id: user.id }, patch);
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
    Object.assign(user, patch);
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
      const user = await em.findOne(UserEntity, { where: { id: change.userId }, lock: { mode: 'pessimistic_write' } });
      if (!user) return null;
      const current = user.email;
      await em.update(ContactChangeEntity, { id: change.id }, { undoneAt: this.deps.now() });
      if (change.confirmedAt && user.email !== change.oldValue) {
        try {
          await em.query('SAVEPOINT undo_email');
          await em.update(UserEntity, { id: user.id }, { email: change.oldValue, emailVerified: change.oldVerified });
          this.deps.users.usersChanged(em, [user.id]);
          await em.query('RELEASE SAVEPOINT undo_email');
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          // The old address was taken by another account meanwhile: nothing to restore it to.
          await em.query('ROLLBACK TO SAVEPOINT undo_email');
          throw new WardenError('INVALID_TOKEN', { message: 'The previous address now belongs to another account.' });
        }
      }
      await this.deps.sessions.revokeAllInTransaction(em, user.id, 'email_change_undone', meta);
      await this.voidOutstanding(em, user.id);
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
    const mail = emailChangeUndoneMail(this.deps.productName, undone.restored ? maskEmail(undone.restored) : null, this.url(accountPaths.security));
    await this.notify(undone.current, mail, 'email_change_undone_notice', undone.userId, meta);
    return true;
  }

  // --- Deletion and recovery -------------------------------------------------------------------------

  /** Marks the account deleted (erased after ACCOUNT_DELETION_GRACE_DAYS), ends every session at once, mails recovery instructions. */
  async deleteAccount(viewer: Viewer, meta: RequestMeta): Promise<{ scheduledAt: Date }> {
    const now = this.deps.now();
    const eraseAt = new Date(now.getTime() + this.deps.limits.accountDeletionGraceDays * DAY_MS);
    const email = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.loadUser(em, viewer.userId, true);
      await em.update(UserEntity, { id: user.id }, { deletedAt: now, eraseAt });
      this.deps.users.usersChanged(em, [user.id]);
      await this.deps.sessions.revokeAllInTransaction(em, user.id, 'account_deleted', meta);
      await this.voidOutstanding(em, user.id);
      await this.deps.audit.record(em, { event: AuditEvents.accountDeleted, userId: user.id, meta, data: { eraseAt: eraseAt.toISOString() } });
      return user.email;
    });
    await this.notify(email, accountDeletedMail(this.deps.productName, this.url(accountPaths.recover), eraseAt), 'account_deleted_notice', viewer.userId, meta);
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

  private async finishRecovery(em: EntityManager, challenge: OtpChallengeEntity, meta: RequestMeta): Promise<IssuedSession> {
    const user = challenge.userId ? await em.findOne(UserEntity, { where: { id: challenge.userId }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!user) throw new WardenError('OTP_EXPIRED');
    if (user.deletedAt) {
      if (!user.eraseAt || user.eraseAt <= this.deps.now()) throw new WardenError('OTP_EXPIRED', { message: 'The grace period is over.' });
      await em.update(UserEntity, { id: user.id }, { deletedAt: null, eraseAt: null });
      this.deps.users.usersChanged(em, [user.id]);
      user.deletedAt = null;
      user.eraseAt = null;
      await this.deps.audit.record(em, { event: AuditEvents.accountRecovered, userId: user.id, meta, data: { challengeId: challenge.id } });
    }
    // The recovery code proves the address: a password set before it was ever verified was never the owner's (F13).
    await dropUnverifiedPassword(em, this.deps.sessions, user, 'recovery_unverified_account_claimed', meta);
    const verified = await this.deps.users.markVerified(em, user, 'EMAIL');
    return this.deps.sessions.signIn(em, { user: verified, meta, method: 'account_recovery', amr: ['otp', 'email'] });
  }

  // --- Export and activity ---------------------------------------------------------------------------

  /** Everything stored about the viewer, without secrets; at most once an hour per account. */
  async exportAccountData(viewer: Viewer, meta: RequestMeta): Promise<Record<string, unknown>> {
    const used = await this.deps.kv.increment(`account:{${viewer.userId}}:export`, 3600);
    if (used.value > 1) throw WardenError.rateLimited(used.ttlSeconds);
    const em = this.deps.dataSource.manager;
    await this.loadUser(em, viewer.userId);
    const out: Record<string, unknown> = { exportedAt: this.deps.now().toISOString() };
    for (const [name, section] of this.exportSections) out[name] = await section(em, viewer.userId);
    await this.deps.audit.recordAlone({ event: AuditEvents.accountExported, userId: viewer.userId, meta });
    return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  }

  /** The account's audit events, newest first; `after` is the endCursor of the page before. */
  async securityEvents(
    userId: string,
    first: number,
    after: string | null | undefined,
  ): Promise<{ nodes: SecurityEventRow[]; endCursor: string | null; hasNextPage: boolean }> {
    if (!Number.isInteger(first) || first < 1 || first > 100) throw WardenError.badInput('first is 1 to 100.', 'first');
    let afterId: string | null = null;
    if (after !== null && after !== undefined) {
      afterId = Buffer.from(after, 'base64url').toString('utf8');
      if (!isUuid(afterId)) throw WardenError.badInput('after is not a cursor from this list.', 'after');
    }
    const qb = this.deps.dataSource.manager
      .createQueryBuilder(AuditEventEntity, 'e')
      .where('e.user_id = :userId', { userId })
      .andWhere('e.event NOT IN (:...hidden)', { hidden: HIDDEN_FROM_ACTIVITY })
      .orderBy('e.created_at', 'DESC')
      .addOrderBy('e.id', 'DESC')
      .take(first + 1);
    if (afterId) {
      qb.andWhere(
        `(e.created_at, e.id) < (SELECT c.created_at, c.id FROM ${tableOf(this.deps.dataSource.manager, AuditEventEntity)} c WHERE c.id = :afterId AND c.user_id = :userId)`,
        { afterId },
      );
    }
    const rows = await qb.getMany();
    const nodes = rows.slice(0, first).map((e) => ({
      id: e.id,
      type: e.event,
      outcome: e.outcome,
      method: typeof e.data?.method === 'string' ? e.data.method : null,
      createdAt: e.createdAt,
      ip: e.ip,
      userAgent: e.userAgent,
    }));
    const last = nodes.at(-1);
    return { nodes, endCursor: last ? Buffer.from(last.id, 'utf8').toString('base64url') : null, hasNextPage: rows.length > first };
  }

  // --- New-device notice -----------------------------------------------------------------------------

  /**
   * After a sign-in committed: remembers (user agent family, IP network) for the account; a pair not seen
   * before, on an account that already had one, mails "new sign-in". Runs outside any transaction.
   */
  async noticeDevice(signedIn: SignedIn): Promise<boolean> {
    const family = userAgentFamily(signedIn.meta.userAgent);
    const fingerprint = keyedHash(this.deps.hmacKey, DEVICE_PURPOSE, `${signedIn.userId}|${family}|${networkOf(signedIn.meta.ip)}`);
    const seen = await this.knownDevices.remember(signedIn.userId, fingerprint, signedIn.at);
    if (!seen.inserted) return false;
    if (seen.others === 0) return false; // the account's first device (its signup): nothing to compare with
    const user = await this.deps.users.findById(this.deps.dataSource.manager, signedIn.userId);
    if (!user?.email || user.deletedAt) return false;
    await this.notify(
      user.email,
      newSignInMail(this.deps.productName, signedIn.at, family, signedIn.meta.ip, this.url(accountPaths.security), await this.waysIn(user)),
      'new_sign_in_notice',
      user.id,
      signedIn.meta,
    );
    return true;
  }
}
