import type { DataSource, EntityManager } from 'typeorm';
import type { UsersService } from '../users/users.service';
import { findUser, lockUser, type UserEntity } from '../users';
import { maskEmail, maskPhone } from '../users/identifiers';
import type { SessionsService } from '../sessions/sessions.service';
import type { ChallengesService } from '../otp/challenges.service';
import type { PasswordService } from '../password/password.service';
import { hasPassword } from '../password';
import type { AuditService } from '../audit/audit.service';
import type { PasswordHasher } from '../../crypto/password-hasher';
import type { KvStore } from '../../store/kv-store';
import type { Mailer } from '../../mail/mailer';
import type { RenderedMail } from '../../mail/templates/templates';
import type { Notices } from '../../kernel/notices';
import type { ExportSection } from '../../kernel/hooks';
import { WardenError } from '../../errors/warden-error';
import type { Limits } from '../../config/limits';
import type { RequestMeta } from '../request-meta';
import type { LoginLockout } from '../rate-limits/login-lockout';
import type { SmsSender } from '../../sms/sms-sender';

export interface AccountServiceDeps {
  dataSource: DataSource;
  kv: KvStore;
  users: UsersService;
  sessions: SessionsService;
  challenges: ChallengesService;
  passwords: PasswordService;
  hasher: PasswordHasher;
  audit: AuditService;
  /** The change's code mails (the old address's notice travels with the new address's code). */
  mailer: Mailer;
  /** Every notice about a change already made (after commit; failures audited and logged, never thrown). */
  notices: Notices;
  /** Every module's hooks (read at call time): exportAccountData's sections and "void every outstanding code and link". */
  hooks: AccountHooks;
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

export type { ExportSection } from '../../kernel/hooks';

/** What the account reads from every module's hooks (the app passes kernel.hooks). */
export interface AccountHooks {
  /** Every module's exportAccountData sections, in module-list order. */
  exportSections(): readonly (readonly [string, ExportSection])[];
  exportSection(name: string): ExportSection | undefined;
  /** Every module's "void every outstanding code and link" of a user. */
  waysIn(): readonly { voidOutstanding(em: EntityManager, userId: string): Promise<void> }[];
}

/**
 * What the parts of the account lifecycle (profile, contact changes, deletion and recovery, export, the
 * new-device notice) share: their dependencies, links into the app, the live user, notices and the account's
 * ways in (the passkeys and identities export sections, read from the hooks at call time).
 */
export class AccountContext {
  constructor(readonly deps: AccountServiceDeps) {}

  url(path: string, query?: Record<string, string>): string {
    const url = new URL(path, this.deps.appUrl);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    return url.toString();
  }

  /** The account, not pending deletion (UNAUTHENTICATED otherwise); `lock`: FOR UPDATE in `em`'s transaction. */
  async loadUser(em: EntityManager, userId: string, lock = false): Promise<UserEntity> {
    const user = lock ? await lockUser(em, userId) : await findUser(em, userId);
    if (!user || user.deletedAt) throw new WardenError('UNAUTHENTICATED');
    return user;
  }

  /** A notice about something already committed (Notices: a failed delivery is audited and logged, never undoes the change). */
  async notify(to: string | null, mail: RenderedMail, flow: string, userId: string, meta: RequestMeta): Promise<void> {
    await this.deps.notices.send(userId, { flow, mail, to }, meta);
  }

  /** Spends every outstanding code and link of the account (password change, email change undone, deletion). */
  async voidOutstanding(em: EntityManager, userId: string): Promise<void> {
    // Each capability spends its own (the waysIn hooks: one-time codes, magic links, reset links).
    for (const way of this.deps.hooks.waysIn()) await way.voidOutstanding(em, userId);
  }

  hasPassword(userId: string): Promise<boolean> {
    return hasPassword(this.deps.dataSource.manager, userId);
  }

  /**
   * The account's ways in, one line each, for the "was this you?" notices: email, phone, passkeys (by name) and
   * linked provider accounts, read through the export sections the passkeys and oauth modules give (their hooks).
   * Takes the user the caller already holds (no second read of the row).
   */
  async waysIn(user: UserEntity): Promise<string[]> {
    const em = this.deps.dataSource.manager;
    const lines: string[] = [];
    if (user.email) lines.push(`Email: ${maskEmail(user.email)}${user.emailVerified ? '' : ' (not verified)'}`);
    if (user.phone) lines.push(`Phone: ${maskPhone(user.phone)}${user.phoneVerified ? '' : ' (not verified)'}`);
    if (await this.hasPassword(user.id)) lines.push('Password: set');
    const rows = async (name: string) => {
      const section = this.deps.hooks.exportSection(name);
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
}
