import type { DataSource, EntityManager } from 'typeorm';
import { TotpSecretBox } from './totp';
import { MfaLockout, type MfaTry } from './mfa-lockout';
import { MfaFactorEntity } from './mfa-factor.entity';
import type { ChallengesService } from '../otp/challenges.service';
import type { SessionsService, Viewer } from '../sessions/sessions.service';
import { sessionState } from '../sessions';
import { assuranceLevel, type AuthMethod } from '../sessions/assurance';
import type { UsersService } from '../users/users.service';
import { lockUser as lockUserRow, type UserEntity } from '../users';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { Notices } from '../../kernel/notices';
import { securityNoticeMail } from '../../mail/templates/templates';
import type { KvStore } from '../../store/kv-store';
import type { Limits } from '../../config/limits';
import { WardenError } from '../../errors/warden-error';
import { RawStatements } from '../../db/raw-statements';
import type { RequestMeta } from '../request-meta';

export const RECOVERY_CODE_COUNT = 10;
/** Confirmed authenticator apps per account. */
export const MAX_TOTP_FACTORS = 5;
export const MAX_FACTOR_NAME_LENGTH = 100;
/** "Password right, code wrong" events in a row after which the owner is mailed (once per run of failures). */
export const MFA_FAILURE_NOTICE_AFTER = 3;

export interface MfaServiceDeps {
  dataSource: DataSource;
  kv: KvStore;
  challenges: ChallengesService;
  sessions: SessionsService;
  users: UsersService;
  audit: AuditService;
  /** Security notices (after commit, failures audited, never thrown). */
  notices: Notices;
  /** WARDEN_SECRET: the HMAC key for recovery codes and, through HKDF, the key that encrypts TOTP secrets. */
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS: TOTP secrets sealed and recovery codes hashed under it still work (docs/operations.md). */
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  productName: string;
  reauthMaxAgeSeconds: number;
  now: () => Date;
}

export interface TotpEnrollmentResult {
  factorId: string;
  otpauthUri: string;
  qrCodeSvg: string;
  secret: string;
  expiresAt: Date;
}

export interface RecoveryCodesResult {
  codes: string[];
  createdAt: Date;
}

/** What a right authenticator code matched: checkCode's answer, handed to onVerified. */
export interface TotpMatch {
  factorId: string;
  step: number;
  /** The secret sealed again under WARDEN_SECRET when it opened only under WARDEN_SECRET_PREVIOUS (or had no key id). */
  resealed?: string;
}

/** A sign-in or re-authentication that a second factor finished has these in its amr (aal2 with any first factor). */
export const TOTP_AMR: AuthMethod[] = ['otp', 'totp', 'mfa'];
export const RECOVERY_AMR: AuthMethod[] = ['recovery', 'mfa'];

/**
 * What the parts of MFA (the gate, verification, enrollment, recovery codes, re-authentication) share: the
 * sealed-secret box, the lockout and failure counts, the gate's one question (a confirmed factor?), the aal2
 * rule for changing factors, and the notices.
 */
export class MfaContext {
  readonly box: TotpSecretBox;

  readonly lockout: MfaLockout;

  private rawStatements: RawStatements | null = null;

  constructor(readonly deps: MfaServiceDeps) {
    this.box = new TotpSecretBox(deps.hmacKey, deps.previousHmacKey ?? null);
    this.lockout = new MfaLockout(deps.kv, deps.limits, () => deps.now().getTime());
  }

  secondFactorDone(amr: readonly AuthMethod[]): boolean {
    return amr.includes('mfa') || assuranceLevel(amr) === 'aal2';
  }

  /** True in SQL when the user `userId` (an SQL expression) has a confirmed factor: the gate's one question. */
  confirmedFactorSql(userId: string): string {
    const raw = (this.rawStatements ??= new RawStatements(this.deps.dataSource));
    return `EXISTS (SELECT 1 FROM ${raw.table(MfaFactorEntity)} WHERE user_id = ${userId} AND confirmed_at IS NOT NULL)`;
  }

  /** Asked by the gate on every sign-in: one named statement (no query building on verifyOtp's path). */
  async hasConfirmedFactor(em: EntityManager, userId: string): Promise<boolean> {
    const raw = (this.rawStatements ??= new RawStatements(this.deps.dataSource));
    const rows = await raw.runIn<{ found: boolean }>(em, 'warden_mfa_confirmed_v1', () => `SELECT ${this.confirmedFactorSql('$1')} AS found`, [userId]);
    return rows[0]?.found === true;
  }

  private failuresKey(userId: string): string {
    return `mfa:{${userId}}:failures`;
  }

  /**
   * MFA_MAX_FAILURES per user per window, across challenges, aliases and batches: every try is counted before it
   * is checked (so parallel guesses cannot exceed the budget), and a right code clears the count.
   */
  private async countUserTry(userId: string, meta: RequestMeta): Promise<void> {
    const tries = await this.deps.kv.increment(this.failuresKey(userId), this.deps.limits.mfaFailureWindowSeconds);
    if (tries.value > this.deps.limits.mfaMaxFailures) {
      await this.deps.audit.recordAlone({ event: AuditEvents.mfaFailed, outcome: 'failure', userId, meta, data: { reason: 'user_limit' } });
      throw WardenError.rateLimited(tries.ttlSeconds);
    }
  }

  async clearUserTries(userId: string): Promise<void> {
    await Promise.all([this.deps.kv.delete(this.failuresKey(userId)).catch(() => undefined), this.lockout.clear(userId).catch(() => undefined)]);
  }

  /**
   * Counts the try in the MFA_MAX_FAILURES window (countUserTry, checked first), then MFA_LOCKOUT_THRESHOLD
   * consecutive failures (MfaLockout): RATE_LIMITED while locked, else this try, counted. The window's counter and
   * the lock are read together (one round trip), the consecutive count after both passed.
   */
  async beginTry(userId: string, meta: RequestMeta): Promise<MfaTry> {
    const [state] = await Promise.all([this.lockout.state(userId), this.countUserTry(userId, meta)]);
    try {
      return await this.lockout.begin(userId, state);
    } catch (error) {
      if (error instanceof WardenError && error.code === 'RATE_LIMITED') {
        await this.deps.audit.recordAlone({ event: AuditEvents.mfaFailed, outcome: 'failure', userId, meta, data: { reason: 'locked_out' } });
      }
      throw error;
    }
  }

  /**
   * After a wrong code (no transaction open): the consecutive count may lock (audited; the first lock of a run is
   * mailed), and a wrong code on an MFA challenge, whose first factor was right, is mailed at the
   * MFA_FAILURE_NOTICE_AFTER-th in a row. The notices carry no code.
   */
  async afterWrongCode(userId: string, afterFirstFactor: boolean, attempt: MfaTry, meta: RequestMeta): Promise<void> {
    const [{ lockedLevel }, partial] = await Promise.all([attempt.failed(), afterFirstFactor ? this.lockout.firstFactorRightCodeWrong(userId) : 0]);
    if (lockedLevel !== null) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.mfaFailed,
        outcome: 'failure',
        userId,
        meta,
        data: { reason: 'lockout_started', consecutive: attempt.consecutive, level: lockedLevel, lockSeconds: this.lockout.lockSeconds(lockedLevel) },
      });
    }
    if (partial === MFA_FAILURE_NOTICE_AFTER) {
      await this.notify(
        await this.deps.users.findById(this.deps.dataSource.manager, userId),
        meta,
        'A wrong second-step code was entered for your account',
        `Someone signed in to your account with its password (or another first step) and then entered a wrong authenticator or recovery code ${partial} times in a row. If that was not you, your password is known to someone else: change it now.`,
      );
    }
    if (lockedLevel === 1) {
      await this.notify(
        await this.deps.users.findById(this.deps.dataSource.manager, userId),
        meta,
        'Second-step sign-in to your account is locked for a while',
        `After ${attempt.consecutive} wrong authenticator or recovery codes in a row, signing in with a second step is paused for ${Math.round(this.lockout.lockSeconds(lockedLevel) / 60)} minutes, and longer after each further wrong code. If that was not you, change your password.`,
      );
    }
  }

  /**
   * Accepts the code's time step once: one conditional UPDATE, so of two requests with one code (or a replay
   * within the window) exactly one passes. In the caller's transaction; INVALID_OTP rolls it back.
   */
  async spendStep(em: EntityManager, match: TotpMatch): Promise<void> {
    const result = await em
      .createQueryBuilder()
      .update(MfaFactorEntity)
      .set({ lastUsedStep: String(match.step), lastUsedAt: this.deps.now(), ...(match.resealed ? { secretCiphertext: match.resealed } : {}) })
      .where('id = :id', { id: match.factorId })
      .andWhere('confirmed_at IS NOT NULL')
      .andWhere('(last_used_step IS NULL OR last_used_step < :step)', { step: match.step })
      .execute();
    if (result.affected !== 1) throw new WardenError('INVALID_OTP', { extensions: { attemptsLeft: 0 } });
  }

  async userOf(viewer: Viewer): Promise<UserEntity> {
    const user = await this.deps.users.findById(this.deps.dataSource.manager, viewer.userId);
    if (!user) throw new WardenError('UNAUTHENTICATED');
    return user;
  }

  /** Serialises changes to one user's factors (FOR UPDATE on the user row): each sees the one before it. */
  async lockUser(em: EntityManager, userId: string): Promise<void> {
    await lockUserRow(em, userId);
  }

  /** With MFA on, changing second factors needs a session that used one (aal2): REAUTHENTICATION_REQUIRED otherwise. */
  async requireAal2(em: EntityManager, viewer: Viewer): Promise<void> {
    const session = await sessionState(em, viewer.sessionId);
    if (!session) throw new WardenError('UNAUTHENTICATED');
    if (session.aal !== 'aal2') {
      throw new WardenError('REAUTHENTICATION_REQUIRED', {
        message: 'Confirm with your authenticator app first (requestReauthentication).',
        extensions: { maxAgeSeconds: this.deps.reauthMaxAgeSeconds, requiredAal: 'aal2' },
      });
    }
  }

  /**
   * Adding a second factor (an authenticator app, a passkey) once a confirmed one exists needs an aal2 session, as
   * removing one does: REAUTHENTICATION_REQUIRED (`requiredAal: "aal2"`) otherwise. A stolen aal1 session (the one
   * that enrolled) cannot mint a factor of its own.
   */
  async requireAal2ToAddFactor(viewer: Viewer, em: EntityManager = this.deps.dataSource.manager): Promise<void> {
    if (await this.hasConfirmedFactor(em, viewer.userId)) await this.requireAal2(em, viewer);
  }

  /** A security notice (Notices: after commit; a failed delivery is audited as mfa_notice and logged, never thrown). */
  async notify(user: UserEntity | null, meta: RequestMeta, title: string, body: string): Promise<void> {
    if (!user?.email) return;
    await this.deps.notices.send(user.id, { flow: 'mfa_notice', to: user.email, mail: securityNoticeMail(this.deps.productName, title, body) }, meta);
  }
}
