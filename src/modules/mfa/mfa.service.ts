import { randomUUID } from 'node:crypto';
import { IsNull, Not, type DataSource, type EntityManager } from 'typeorm';
import { MfaFactorEntity } from './mfa-factor.entity';
import { RecoveryCodeEntity } from './recovery-code.entity';
import { TotpSecretBox, matchTotpStep, newRecoveryCode, newTotpSecret, normalizeRecoveryCode, qrCodeSvg, totpUri } from './totp';
import { MfaLockout, type MfaTry } from './mfa-lockout';
import { OtpChallengeEntity, type OtpPurposeValue } from '../otp/otp-challenge.entity';
import type { ChallengesService, PurposeHandler, VerifiedContext } from '../otp/challenges.service';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import type { IssuedSession, SessionsService, SignInGate, SignInRequest, Viewer } from '../sessions/sessions.service';
import { SessionEntity } from '../sessions/session.entity';
import { assuranceLevel, type AuthMethod } from '../sessions/assurance';
import type { UsersService } from '../users/users.service';
import { UserEntity } from '../users/user.entity';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { Notices } from '../../kernel/notices';
import { securityNoticeMail } from '../../mail/templates/templates';
import type { KvStore } from '../../store/kv-store';
import type { Limits } from '../../config/limits';
import { keyedHash, isUuid } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { RawStatements } from '../../db/raw-statements';
import type { RequestMeta } from '../request-meta';

export const RECOVERY_CODE_COUNT = 10;
/** Confirmed authenticator apps per account. */
const MAX_TOTP_FACTORS = 5;
const RECOVERY_HASH_PURPOSE = 'recovery-code';
const MAX_FACTOR_NAME_LENGTH = 100;
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
interface TotpMatch {
  factorId: string;
  step: number;
  /** The secret sealed again under WARDEN_SECRET when it opened only under WARDEN_SECRET_PREVIOUS (or had no key id). */
  resealed?: string;
}

/** A sign-in or re-authentication that a second factor finished has these in its amr (aal2 with any first factor). */
const TOTP_AMR: AuthMethod[] = ['otp', 'totp', 'mfa'];
const RECOVERY_AMR: AuthMethod[] = ['recovery', 'mfa'];

/**
 * Second factors (issue #11): authenticator apps (TOTP), recovery codes, the sign-in gate that asks for them, and
 * re-authentication. The gate is the mfa module's signInGates hook, so every path that creates a session passes it.
 */
export class MfaService {
  private readonly box: TotpSecretBox;

  private readonly lockout: MfaLockout;

  private rawStatements: RawStatements | null = null;

  constructor(private readonly deps: MfaServiceDeps) {
    this.box = new TotpSecretBox(deps.hmacKey, deps.previousHmacKey ?? null);
    this.lockout = new MfaLockout(deps.kv, deps.limits, () => deps.now().getTime());
  }

  /** The code purposes this module verifies (MFA, REAUTHENTICATION): the mfa module's codePurposes hook. */
  codePurposes(): Partial<Record<OtpPurposeValue, PurposeHandler>> {
    return {
      MFA: {
        checkCode: (challenge, code, meta) => this.checkTotp(challenge, code, meta),
        onVerified: (em, challenge, ctx) => this.finishMfa(em, challenge, ctx),
      },
      REAUTHENTICATION: {
        lockFirst: (em, challenge) => this.lockForReauthentication(em, challenge),
        checkCode: (challenge, code, meta) => this.checkTotp(challenge, code, meta),
        onVerified: (em, challenge, ctx) => this.finishReauthentication(em, challenge, ctx),
      },
    };
  }

  // ---------------------------------------------------------------- the gate

  /**
   * The second-factor sign-in gate (the mfa module's signInGates hook). A first factor for a user with a confirmed second factor opens an MFA challenge (in the
   * caller's transaction, nothing sent) and refuses with MFA_REQUIRED; a sign-in that a second factor finished
   * (amr has mfa, or is aal2 already, e.g. a user-verifying passkey) passes.
   */
  readonly gate: SignInGate = {
    check: async (em, request) => {
      if (this.secondFactorDone(request.amr)) return { allow: true };
      if (!(await this.hasConfirmedFactor(em, request.user.id))) return { allow: true };
      const challenge = await this.deps.challenges.open(em, { userId: request.user.id, purpose: 'MFA', firstFactorAmr: request.amr });
      await this.deps.audit.record(em, {
        event: AuditEvents.mfaChallenged,
        userId: request.user.id,
        meta: request.meta,
        data: { challengeId: challenge.id, method: request.method, amr: request.amr },
      });
      return { allow: false, error: new WardenError('MFA_REQUIRED', { extensions: { challengeId: challenge.id } }) };
    },
    // The same decision in SQL, for the one-statement sign-in: allowed when a second factor was done, or when the
    // user has no confirmed factor (hasConfirmedFactor's question, negated). Refusing needs `check` (it opens a challenge).
    sqlAllows: (amr) => (this.secondFactorDone(amr) ? { always: true } : { key: 'mfa', predicate: (userId) => `NOT ${this.confirmedFactorSql(userId)}` }),
  };

  private secondFactorDone(amr: readonly AuthMethod[]): boolean {
    return amr.includes('mfa') || assuranceLevel(amr) === 'aal2';
  }

  /** True in SQL when the user `userId` (an SQL expression) has a confirmed factor: the gate's one question. */
  private confirmedFactorSql(userId: string): string {
    const raw = (this.rawStatements ??= new RawStatements(this.deps.dataSource));
    return `EXISTS (SELECT 1 FROM ${raw.table(MfaFactorEntity)} WHERE user_id = ${userId} AND confirmed_at IS NOT NULL)`;
  }

  /** Asked by the gate on every sign-in: one named statement (no query building on verifyOtp's path). */
  private async hasConfirmedFactor(em: EntityManager, userId: string): Promise<boolean> {
    const raw = (this.rawStatements ??= new RawStatements(this.deps.dataSource));
    const rows = await raw.runIn<{ found: boolean }>(em, 'warden_mfa_confirmed_v1', () => `SELECT ${this.confirmedFactorSql('$1')} AS found`, [userId]);
    return rows[0]?.found === true;
  }

  // ---------------------------------------------------------------- codes

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

  private async clearUserTries(userId: string): Promise<void> {
    await Promise.all([this.deps.kv.delete(this.failuresKey(userId)).catch(() => undefined), this.lockout.clear(userId).catch(() => undefined)]);
  }

  /**
   * Counts the try in the MFA_MAX_FAILURES window (countUserTry, checked first), then MFA_LOCKOUT_THRESHOLD
   * consecutive failures (MfaLockout): RATE_LIMITED while locked, else this try, counted. The window's counter and
   * the lock are read together (one round trip), the consecutive count after both passed.
   */
  private async beginTry(userId: string, meta: RequestMeta): Promise<MfaTry> {
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
  private async afterWrongCode(userId: string, afterFirstFactor: boolean, attempt: MfaTry, meta: RequestMeta): Promise<void> {
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

  /** The confirmed factor and time step a code matches now, or null. Replays are refused later, atomically. */
  private async matchCode(userId: string, code: string): Promise<TotpMatch | null> {
    const factors = await this.deps.dataSource.manager.find(MfaFactorEntity, { where: { userId, type: 'TOTP', confirmedAt: Not(IsNull()) } });
    const nowMs = this.deps.now().getTime();
    for (const factor of factors) {
      // A secret no configured key opens (WARDEN_SECRET rotated without WARDEN_SECRET_PREVIOUS) matches no code.
      const opened = this.box.tryOpen(factor.id, factor.secretCiphertext);
      if (!opened) continue;
      const step = matchTotpStep(opened.secret, code, nowMs);
      if (step !== null && (factor.lastUsedStep === null || step > Number(factor.lastUsedStep))) {
        return { factorId: factor.id, step, ...(opened.stale ? { resealed: this.box.seal(factor.id, opened.secret) } : {}) };
      }
    }
    return null;
  }

  /** checkCode of MFA and REAUTHENTICATION challenges on channel TOTP (the challenge's try is already counted). */
  private async checkTotp(challenge: OtpChallengeEntity, code: string, meta: RequestMeta): Promise<TotpMatch | null> {
    const userId = challenge.userId!;
    const attempt = await this.beginTry(userId, meta);
    const match = await this.matchCode(userId, code);
    if (!match) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.mfaFailed,
        outcome: 'failure',
        userId,
        meta,
        data: { challengeId: challenge.id, purpose: challenge.purpose, reason: 'wrong_code' },
      });
      await this.afterWrongCode(userId, challenge.purpose === 'MFA', attempt, meta);
    }
    return match;
  }

  /**
   * Accepts the code's time step once: one conditional UPDATE, so of two requests with one code (or a replay
   * within the window) exactly one passes. In the caller's transaction; INVALID_OTP rolls it back.
   */
  private async spendStep(em: EntityManager, match: TotpMatch): Promise<void> {
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

  private async finishMfa(em: EntityManager, challenge: OtpChallengeEntity, ctx: VerifiedContext): Promise<IssuedSession> {
    const match = ctx.checked as TotpMatch;
    // The user row first (FOR SHARE), then the factor: the order removeFactor takes them in (no deadlock).
    const user = await this.deps.users.findById(em, challenge.userId!, { forShare: true });
    if (!user) throw new WardenError('OTP_EXPIRED');
    await this.spendStep(em, match);
    await this.deps.audit.record(em, {
      event: AuditEvents.mfaVerified,
      userId: user.id,
      meta: ctx.meta,
      data: { challengeId: challenge.id, factorId: match.factorId, kind: 'totp' },
    });
    const issued = await this.deps.sessions.signIn(em, {
      user,
      userLocked: true,
      meta: ctx.meta,
      method: 'mfa_totp',
      amr: [...((challenge.firstFactorAmr ?? []) as AuthMethod[]), ...TOTP_AMR],
    });
    await this.clearUserTries(user.id);
    return issued;
  }

  /**
   * Before the challenge is consumed (PurposeHandler.lockFirst): the user row (shared), then the session, in the
   * order every revocation takes them (user, sessions, then the session's challenges), so a revocation and this
   * finish wait for each other instead of deadlocking (F2).
   */
  private async lockForReauthentication(em: EntityManager, challenge: OtpChallengeEntity): Promise<void> {
    if (!challenge.userId || !challenge.sessionId) return;
    await this.deps.users.findById(em, challenge.userId, { forShare: true });
    await em.findOne(SessionEntity, { where: { id: challenge.sessionId }, select: { id: true }, lock: { mode: 'pessimistic_write' } });
  }

  private async finishReauthentication(em: EntityManager, challenge: OtpChallengeEntity, ctx: VerifiedContext): Promise<IssuedSession> {
    if (!challenge.sessionId) throw new WardenError('OTP_EXPIRED');
    let amr: AuthMethod[];
    if (challenge.channel === 'TOTP') {
      // User, then factor (see finishMfa): lockForReauthentication (lockFirst, run by verify() in this transaction
      // before onVerified) share-locked the user row already; with no userId it locked nothing, as a lookup would not.
      await this.spendStep(em, ctx.checked as TotpMatch);
      await this.clearUserTries(challenge.userId!);
      amr = TOTP_AMR;
    } else {
      amr = challenge.channel === 'SMS' ? ['otp', 'sms'] : ['otp', 'email'];
    }
    const session = await em.findOne(SessionEntity, { where: { id: challenge.sessionId }, select: { id: true, userId: true } });
    if (!session || session.userId !== challenge.userId) throw new WardenError('OTP_EXPIRED');
    return this.deps.sessions.reauthenticate(em, challenge.sessionId, amr, ctx.meta);
  }

  // ---------------------------------------------------------------- enrollment

  private async userOf(viewer: Viewer): Promise<UserEntity> {
    const user = await this.deps.users.findById(this.deps.dataSource.manager, viewer.userId);
    if (!user) throw new WardenError('UNAUTHENTICATED');
    return user;
  }

  /**
   * Adding a second factor (an authenticator app, a passkey) once a confirmed one exists needs an aal2 session, as
   * removing one does: REAUTHENTICATION_REQUIRED (`requiredAal: "aal2"`) otherwise. A stolen aal1 session (the one
   * that enrolled) cannot mint a factor of its own.
   */
  async requireAal2ToAddFactor(viewer: Viewer, em: EntityManager = this.deps.dataSource.manager): Promise<void> {
    if (await this.hasConfirmedFactor(em, viewer.userId)) await this.requireAal2(em, viewer);
  }

  /** Serialises changes to one user's factors (FOR UPDATE on the user row): each sees the one before it. */
  private async lockUser(em: EntityManager, userId: string): Promise<void> {
    await em.findOne(UserEntity, { where: { id: userId }, lock: { mode: 'pessimistic_write', tables: ['users'] } });
  }

  /**
   * Recent authentication (the resolver), and aal2 once MFA is on. A pending factor replaces any other pending one
   * of the user.
   */
  async startTotpEnrollment(viewer: Viewer, meta: RequestMeta): Promise<TotpEnrollmentResult> {
    const user = await this.userOf(viewer);
    const em = this.deps.dataSource.manager;
    // Confirmed factors of any type: requireAal2ToAddFactor's question (hasConfirmedFactor) and the cap's, asked once.
    const confirmed = await em.count(MfaFactorEntity, { where: { userId: user.id, confirmedAt: Not(IsNull()) } });
    if (confirmed > 0) await this.requireAal2(em, viewer);
    if (confirmed >= MAX_TOTP_FACTORS) throw WardenError.badInput(`At most ${MAX_TOTP_FACTORS} authenticator apps.`);
    const secret = newTotpSecret();
    const id = randomUUID();
    const now = this.deps.now();
    const expiresAt = new Date(now.getTime() + this.deps.limits.mfaEnrollmentTtlSeconds * 1000);
    await withTransaction(this.deps.dataSource, async (tx) => {
      await tx.delete(MfaFactorEntity, { userId: user.id, confirmedAt: IsNull() });
      await tx.insert(MfaFactorEntity, {
        id,
        userId: user.id,
        type: 'TOTP',
        name: null,
        secretCiphertext: this.box.seal(id, secret),
        lastUsedStep: null,
        lastUsedAt: null,
        confirmedAt: null,
        expiresAt,
      });
      await this.deps.audit.record(tx, { event: AuditEvents.mfaEnrollmentStarted, userId: user.id, meta, data: { factorId: id } });
    });
    const otpauthUri = totpUri(secret, this.deps.productName, user.email ?? user.phone ?? user.id);
    return { factorId: id, otpauthUri, qrCodeSvg: await qrCodeSvg(otpauthUri), secret, expiresAt };
  }

  /**
   * The first code confirms the pending factor: MFA is on, the other sessions end and the account is mailed. The
   * first confirmed factor creates 10 recovery codes (answered once); a later one (aal2 only) keeps the existing
   * codes and answers an empty list. Tries count against OTP_MAX_ATTEMPTS per enrollment.
   */
  async confirmTotpEnrollment(
    viewer: Viewer,
    input: { factorId: string; code: string; name?: string | null },
    meta: RequestMeta,
  ): Promise<RecoveryCodesResult> {
    if (!isUuid(input.factorId)) throw WardenError.badInput('factorId is not valid.', 'factorId');
    if (typeof input.code !== 'string' || !/^\d{6}$/.test(input.code.trim())) throw WardenError.badInput('The code is 6 digits.', 'code');
    if (input.name != null && input.name.trim().length > MAX_FACTOR_NAME_LENGTH) {
      throw WardenError.badInput(`The name is at most ${MAX_FACTOR_NAME_LENGTH} characters.`, 'name');
    }
    const name = input.name == null ? null : input.name.trim() || null;
    const em = this.deps.dataSource.manager;
    const factor = await em.findOne(MfaFactorEntity, { where: { id: input.factorId, userId: viewer.userId, confirmedAt: IsNull() } });
    const now = this.deps.now();
    if (!factor || !factor.expiresAt || factor.expiresAt <= now) throw new WardenError('OTP_EXPIRED', { message: 'This enrollment has expired. Start again.' });
    await this.requireAal2ToAddFactor(viewer, em); // before a try is counted
    const tries = await this.deps.kv.increment(`mfa:{${factor.id}}:enroll-tries`, this.deps.limits.mfaEnrollmentTtlSeconds);
    if (tries.value > this.deps.limits.otpMaxAttempts) throw new WardenError('OTP_EXPIRED', { message: 'Too many wrong codes. Start again.' });
    const opened = this.box.tryOpen(factor.id, factor.secretCiphertext);
    const step = opened ? matchTotpStep(opened.secret, input.code.trim(), now.getTime()) : null;
    if (step === null) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.mfaFailed,
        outcome: 'failure',
        userId: viewer.userId,
        meta,
        data: { factorId: factor.id, reason: 'enrollment_wrong_code' },
      });
      throw new WardenError('INVALID_OTP', { extensions: { attemptsLeft: Math.max(0, this.deps.limits.otpMaxAttempts - tries.value) } });
    }
    const { codes, user } = await withTransaction(this.deps.dataSource, async (tx) => {
      await this.lockUser(tx, viewer.userId);
      // Decided under the lock: a factor confirmed meanwhile makes this one a later factor (aal2, codes kept).
      const first = !(await this.hasConfirmedFactor(tx, viewer.userId));
      if (!first) await this.requireAal2(tx, viewer);
      const result = await tx
        .createQueryBuilder()
        .update(MfaFactorEntity)
        .set({ confirmedAt: now, expiresAt: null, name, lastUsedStep: String(step), lastUsedAt: now })
        .where('id = :id', { id: factor.id })
        .andWhere('confirmed_at IS NULL')
        .andWhere('expires_at > :now', { now })
        .execute();
      if (result.affected !== 1) throw new WardenError('OTP_EXPIRED', { message: 'This enrollment has expired. Start again.' });
      const codes = first ? await this.replaceRecoveryCodes(tx, viewer.userId) : [];
      await this.deps.sessions.revokeAllInTransaction(tx, viewer.userId, 'mfa_enabled', meta, viewer.sessionId);
      await this.deps.audit.record(tx, { event: AuditEvents.mfaFactorEnrolled, userId: viewer.userId, meta, data: { factorId: factor.id, type: 'TOTP' } });
      return { codes, user: await this.deps.users.findById(tx, viewer.userId) };
    });
    await this.notify(
      user,
      meta,
      'An authenticator app was added',
      'An authenticator app was added to your account as a second step when you sign in. Your other sessions were signed out.',
    );
    return { codes, createdAt: now };
  }

  /** Deletes every recovery code of the user and stores RECOVERY_CODE_COUNT new ones (HMACs); answers them in clear, once. */
  private async replaceRecoveryCodes(em: EntityManager, userId: string): Promise<string[]> {
    await em.delete(RecoveryCodeEntity, { userId });
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    await em.insert(
      RecoveryCodeEntity,
      codes.map((code) => ({ id: randomUUID(), userId, codeHash: this.recoveryHash(userId, normalizeRecoveryCode(code)!), usedAt: null })),
    );
    return codes;
  }

  private recoveryHash(userId: string, normalized: string, key = this.deps.hmacKey): string {
    return keyedHash(key, RECOVERY_HASH_PURPOSE, `${userId}:${normalized}`);
  }

  /**
   * Spends the unused recovery code with one of these hashes (the code under WARDEN_SECRET, and under
   * WARDEN_SECRET_PREVIOUS when set): one conditional UPDATE, so racing uses spend it once.
   */
  private async spendRecoveryCode(em: EntityManager, userId: string, hashes: string[], now: Date): Promise<boolean> {
    const used = await em
      .createQueryBuilder()
      .update(RecoveryCodeEntity)
      .set({ usedAt: now })
      .where('user_id = :userId', { userId })
      .andWhere('code_hash IN (:...hashes)', { hashes })
      .andWhere('used_at IS NULL')
      .execute();
    // One row: the two hashes of one random code are stored together only if it was drawn twice.
    return (used.affected ?? 0) > 0;
  }

  /** With MFA on, changing second factors needs a session that used one (aal2): REAUTHENTICATION_REQUIRED otherwise. */
  private async requireAal2(em: EntityManager, viewer: Viewer): Promise<void> {
    const session = await em.findOne(SessionEntity, { where: { id: viewer.sessionId }, select: { id: true, aal: true } });
    if (!session) throw new WardenError('UNAUTHENTICATED');
    if (session.aal !== 'aal2') {
      throw new WardenError('REAUTHENTICATION_REQUIRED', {
        message: 'Confirm with your authenticator app first (requestReauthentication).',
        extensions: { maxAgeSeconds: this.deps.reauthMaxAgeSeconds, requiredAal: 'aal2' },
      });
    }
  }

  /** Recent authentication (the resolver). Removing the last confirmed factor turns MFA off (recovery codes go too). */
  async removeFactor(viewer: Viewer, id: string, meta: RequestMeta): Promise<boolean> {
    if (!isUuid(id)) throw WardenError.badInput('id is not a factor id.', 'id');
    const outcome = await withTransaction(this.deps.dataSource, async (em) => {
      // The user row first: of two removals at once the second waits, then sees the first's (mfaOff decided once).
      await this.lockUser(em, viewer.userId);
      const factor = await em.findOne(MfaFactorEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!factor || factor.userId !== viewer.userId) throw new WardenError('FORBIDDEN', { message: 'That factor is not yours.' });
      if (factor.confirmedAt) await this.requireAal2(em, viewer);
      await em.delete(MfaFactorEntity, { id });
      const mfaOff = factor.confirmedAt !== null && !(await this.hasConfirmedFactor(em, viewer.userId));
      if (mfaOff) await em.delete(RecoveryCodeEntity, { userId: viewer.userId });
      if (factor.confirmedAt) {
        await this.deps.audit.record(em, {
          event: AuditEvents.mfaFactorRemoved,
          userId: viewer.userId,
          meta,
          data: { factorId: id, type: factor.type, mfaOff },
        });
      }
      return { confirmed: factor.confirmedAt !== null, mfaOff };
    });
    if (outcome.confirmed) {
      await this.notify(
        await this.userOf(viewer),
        meta,
        'An authenticator app was removed',
        outcome.mfaOff
          ? 'The last authenticator app was removed from your account: signing in no longer asks for a second step, and your recovery codes no longer work.'
          : 'An authenticator app was removed from your account.',
      );
    }
    return true;
  }

  /** Recent authentication (the resolver), MFA on and an aal2 session: every old code stops working. */
  async regenerateRecoveryCodes(viewer: Viewer, meta: RequestMeta): Promise<RecoveryCodesResult> {
    const now = this.deps.now();
    const codes = await withTransaction(this.deps.dataSource, async (em) => {
      if (!(await this.hasConfirmedFactor(em, viewer.userId))) throw WardenError.badInput('Add an authenticator app first.');
      await this.requireAal2(em, viewer);
      const codes = await this.replaceRecoveryCodes(em, viewer.userId);
      await this.deps.audit.record(em, { event: AuditEvents.recoveryCodesRegenerated, userId: viewer.userId, meta });
      return codes;
    });
    await this.notify(
      await this.userOf(viewer),
      meta,
      'New recovery codes were made',
      'New recovery codes were made for your account; the old ones no longer work.',
    );
    return { codes, createdAt: now };
  }

  /**
   * Finishes an MFA challenge with a recovery code: counted against the challenge's tries and MFA_MAX_FAILURES,
   * spent by one conditional UPDATE in the transaction that consumes the challenge and signs in.
   */
  async verifyRecoveryCode(input: { challengeId: string; recoveryCode: string }, meta: RequestMeta): Promise<IssuedSession> {
    if (typeof input.recoveryCode !== 'string' || input.recoveryCode.length > 64) throw WardenError.badInput('That is not a recovery code.', 'recoveryCode');
    const normalized = normalizeRecoveryCode(input.recoveryCode);
    if (!normalized) throw WardenError.badInput('That is not a recovery code.', 'recoveryCode');
    const challenge = await this.deps.challenges.loadLiveChallenge(input.challengeId);
    if (challenge.purpose !== 'MFA' || !challenge.userId) throw WardenError.badInput('This challenge does not take a recovery code.', 'challengeId');
    const userId = challenge.userId;
    const attemptsLeft = await this.deps.challenges.countAttempt(challenge, meta);
    const attempt = await this.beginTry(userId, meta);
    const now = this.deps.now();
    const outcome = await withTransaction(this.deps.dataSource, async (em) => {
      // Under WARDEN_SECRET, or under WARDEN_SECRET_PREVIOUS when set (a code is spent on use: nothing to re-hash).
      const hashes = [this.recoveryHash(userId, normalized)];
      if (this.deps.previousHmacKey) hashes.push(this.recoveryHash(userId, normalized, this.deps.previousHmacKey));
      if (!(await this.spendRecoveryCode(em, userId, hashes, now))) return null;
      if (!(await this.deps.challenges.consume(em, challenge.id))) throw new WardenError('OTP_EXPIRED');
      const user = await this.deps.users.findById(em, userId);
      if (!user) throw new WardenError('OTP_EXPIRED');
      const remaining = await em.count(RecoveryCodeEntity, { where: { userId, usedAt: IsNull() } });
      await this.deps.audit.record(em, { event: AuditEvents.recoveryCodeUsed, userId, meta, data: { challengeId: challenge.id, remaining } });
      const issued = await this.deps.sessions.signIn(em, {
        user,
        meta,
        method: 'mfa_recovery_code',
        amr: [...((challenge.firstFactorAmr ?? []) as AuthMethod[]), ...RECOVERY_AMR],
      });
      return { issued, user, remaining };
    });
    if (!outcome) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.mfaFailed,
        outcome: 'failure',
        userId,
        meta,
        data: { challengeId: challenge.id, reason: 'wrong_recovery_code' },
      });
      await this.afterWrongCode(userId, true, attempt, meta);
      throw new WardenError('INVALID_OTP', { extensions: { attemptsLeft } });
    }
    await this.clearUserTries(userId);
    await this.notify(
      outcome.user,
      meta,
      'A recovery code was used',
      `A recovery code was used to sign in to your account. ${outcome.remaining} unused recovery codes are left.`,
    );
    return outcome.issued;
  }

  /** A REAUTHENTICATION challenge for the viewer's session: the authenticator app when enrolled, else a mailed (or texted) code. */
  async requestReauthentication(viewer: Viewer, meta: RequestMeta): Promise<AuthChallengeType> {
    const user = await this.userOf(viewer);
    const em = this.deps.dataSource.manager;
    if (await this.hasConfirmedFactor(em, user.id)) {
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
          await tx.update(OtpChallengeEntity, { id: c.id }, { sessionId: viewer.sessionId });
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

  // ---------------------------------------------------------------- viewer fields

  listFactors(userId: string): Promise<MfaFactorEntity[]> {
    return this.deps.dataSource.manager.find(MfaFactorEntity, { where: { userId, confirmedAt: Not(IsNull()) }, order: { createdAt: 'ASC' } });
  }

  recoveryCodesRemaining(userId: string): Promise<number> {
    return this.deps.dataSource.manager.count(RecoveryCodeEntity, { where: { userId, usedAt: IsNull() } });
  }

  /** A security notice (Notices: after commit; a failed delivery is audited as mfa_notice and logged, never thrown). */
  private async notify(user: UserEntity | null, meta: RequestMeta, title: string, body: string): Promise<void> {
    if (!user?.email) return;
    await this.deps.notices.send(user.id, { flow: 'mfa_notice', to: user.email, mail: securityNoticeMail(this.deps.productName, title, body) }, meta);
  }
}

export type { SignInRequest };

/** The `mfaFactors` section of exportAccountData: confirmed factors only, never the secret. */
export async function exportMfaFactors(em: EntityManager, userId: string): Promise<unknown[]> {
  const rows = await em.find(MfaFactorEntity, {
    where: { userId, confirmedAt: Not(IsNull()) },
    select: { id: true, type: true, name: true, createdAt: true, lastUsedAt: true },
    order: { createdAt: 'ASC' },
  });
  return rows.map((f) => ({ id: f.id, type: f.type, name: f.name, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt }));
}
