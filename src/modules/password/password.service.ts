import type { DataSource, EntityManager } from 'typeorm';
import { PasswordCredentialEntity } from './password-credential.entity';
import { checkPasswordPolicy } from './password-policy';
import type { UsersService } from '../users/users.service';
import { normalizeEmail, optionalHttpUrl, optionalText, requiredText } from '../users/identifiers';
import type { OtpService } from '../otp/otp.service';
import type { AuthChallengeType } from '../otp/auth-challenge.type';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { PasswordHasher } from '../../crypto/password-hasher';
import type { Mailer } from '../../mail/mailer';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';
import type { SessionsService } from '../sessions/sessions.service';
import { isUniqueViolation } from '../../db/db-errors';
import type { LoginLockout } from '../rate-limits/login-lockout';
import type { IdentifierLimits } from '../rate-limits/identifier-limits';
import type { BreachedPasswordsService } from '../breached-passwords/breached-passwords.service';

export interface SignupParams {
  email: string;
  password: string;
  name?: string | null;
  organization?: { name: string; industry?: string | null; teamSize?: string | null; logoUrl?: string | null } | null;
}

export interface PasswordServiceDeps {
  dataSource: DataSource;
  users: UsersService;
  otp: OtpService;
  /** The sign-in gate: a user with a second factor gets an MFA challenge after the password. */
  sessions: SessionsService;
  audit: AuditService;
  hasher: PasswordHasher;
  mailer: Mailer;
  /** Locks password login per email after LOGIN_LOCKOUT_THRESHOLD failures. */
  lockout: LoginLockout;
  /** A wrong password answers like a right one when the email's sends budget is spent (no oracle). */
  identifierLimits: IdentifierLimits;
  limits: Readonly<Limits>;
  /** Pwned Passwords (HIBP_ENABLED), asked after the policy; a network call, so never inside a transaction. */
  breachedPasswords: BreachedPasswordsService;
}

/** Password accounts: signup (then a SIGNUP code) and login (then a LOGIN code). */
export class PasswordService {
  constructor(private readonly deps: PasswordServiceDeps) {}

  private policy() {
    return { minLength: this.deps.limits.passwordMinLength, maxLength: this.deps.limits.passwordMaxLength };
  }

  /** Sets (or replaces) a user's password inside the caller's transaction. */
  async setPassword(em: EntityManager, userId: string, passwordHash: string): Promise<void> {
    await em.upsert(PasswordCredentialEntity, { userId, passwordHash }, ['userId']);
  }

  /**
   * The checks of a new password (no hash), in the contract's order: length, the bundled common list, then Pwned
   * Passwords when HIBP_ENABLED (a network call: call this before any transaction opens, and before anything that
   * costs more). Each refusal is WEAK_PASSWORD with its reason; the range API failing may be SERVICE_UNAVAILABLE.
   */
  async checkNewPassword(password: unknown, field = 'password'): Promise<string> {
    const checked = checkPasswordPolicy(password, this.policy(), field);
    await this.deps.breachedPasswords.check(checked, field);
    return checked;
  }

  /** Checks (checkNewPassword) and hashes a new password. */
  async hashNewPassword(password: unknown, field = 'password'): Promise<string> {
    return this.deps.hasher.hash(await this.checkNewPassword(password, field));
  }

  /**
   * Hashes a password the caller already passed through checkNewPassword (the policy is applied again, it costs
   * nothing; Pwned Passwords is not asked twice, so a failing range API is waited for once per request).
   */
  hashCheckedPassword(password: string, field = 'password'): Promise<string> {
    return this.deps.hasher.hash(checkPasswordPolicy(password, this.policy(), field));
  }

  /**
   * Creates the account (email unverified) and emails a SIGNUP code. A taken email gets the same answer
   * (a decoy challenge) after the same work (one hash), and its owner is told by email instead.
   */
  async signup(params: SignupParams, meta: RequestMeta): Promise<AuthChallengeType> {
    const max = this.deps.limits.maxStringLength;
    const email = normalizeEmail(params.email);
    const name = optionalText(params.name, 'name', max);
    const organization = params.organization
      ? {
          name: requiredText(params.organization.name, 'organization.name', max),
          industry: optionalText(params.organization.industry, 'organization.industry', max),
          teamSize: optionalText(params.organization.teamSize, 'organization.teamSize', 50),
          logoUrl: optionalHttpUrl(params.organization.logoUrl, 'organization.logoUrl', 2048),
        }
      : null;
    const passwordHash = await this.hashNewPassword(params.password);

    // Written and committed first, mailed after: no transaction is open while SMTP answers.
    const attempt = async (): Promise<AuthChallengeType> => {
      const existing = await this.deps.users.findByEmail(this.deps.dataSource.manager, email);
      if (existing) {
        // issueDecoy commits its own short transaction (the decoy is never usable, so nothing needs spending);
        // the notice goes out after it, with no transaction open.
        const challenge = await this.deps.otp.challenges.issueDecoy({
          userId: null,
          channel: 'EMAIL',
          purpose: 'SIGNUP',
          destination: email,
          audit: () => [{ event: AuditEvents.signupDuplicateAttempted, outcome: 'failure', userId: existing.id, meta }],
        });
        await this.deps.mailer.sendAccountExistsNotice(email);
        return this.deps.otp.challenges.toChallengeType(challenge);
      }
      let created: { id: string; organizationId: string | null } | null = null;
      const { challenge } = await this.deps.otp.challenges.issue({
        channel: 'EMAIL',
        purpose: 'SIGNUP',
        destination: email,
        userId: async (em) => {
          const user = await this.deps.users.create(em, { email, name, organization }, { holdEvents: true });
          await this.setPassword(em, user.id, passwordHash);
          created = { id: user.id, organizationId: user.organizationId };
          return user.id;
        },
        audit: (c) => [
          { event: AuditEvents.userSignedUp, userId: created!.id, meta, data: { organization: organization !== null } },
          { event: AuditEvents.otpSent, userId: created!.id, meta, data: { challengeId: c.id, channel: 'EMAIL', purpose: 'SIGNUP' } },
        ],
        // The SIGNUP code could not be mailed: the new account goes again (its challenge and password with it),
        // so the same signup can simply be retried.
        spend: async (em) => {
          const { id, organizationId } = created!;
          await this.deps.users.deleteUnverified(em, id, organizationId);
        },
      });
      return this.deps.otp.challenges.toChallengeType(challenge);
    };
    try {
      return await attempt();
    } catch (error) {
      // Two signups racing for one email: the loser takes the "already taken" path.
      if (isUniqueViolation(error)) return attempt();
      throw error;
    }
  }

  /** Checks the password (unknown emails cost the same), then emails a LOGIN code. */
  async login(params: { email: string; password: string }, meta: RequestMeta): Promise<AuthChallengeType> {
    const email = normalizeEmail(params.email);
    if (typeof params.password !== 'string' || params.password.length === 0) throw WardenError.badInput('Enter your password.', 'password');
    if (params.password.length > this.deps.limits.passwordMaxLength * 4) throw WardenError.badInput('The password is far too long.', 'password');
    const attempt = await this.deps.lockout.begin(email);
    const em = this.deps.dataSource.manager;
    // The password with its account in one round trip (a login storm pays for every query); only when
    // there is none, a second look tells an unknown email from an account without a password.
    const credential = await em.findOne(PasswordCredentialEntity, { where: { user: { email } }, relations: { user: true } });
    const user = credential?.user ?? (await this.deps.users.findByEmail(em, email));
    const ok = credential ? await this.deps.hasher.verify(params.password, credential.passwordHash) : await this.deps.hasher.verifyDummy(params.password);
    if (!ok || !user) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.loginPasswordChecked,
        outcome: 'failure',
        userId: user?.id,
        meta,
        data: { reason: user ? (credential ? 'wrong_password' : 'no_password') : 'unknown_email' },
      });
      await attempt.failed();
      await this.deps.identifierLimits.refuseIfSendsExhausted(email);
      throw new WardenError('INVALID_CREDENTIALS');
    }
    await attempt.succeeded();
    if (credential && this.deps.hasher.needsRehash(credential.passwordHash)) await this.rehash(credential.userId, credential.passwordHash, params.password);
    // A second factor enrolled: the gate opens an MFA challenge (channel TOTP) instead of mailing a code.
    const gate = await withTransaction(this.deps.dataSource, async (em) => {
      const decision = await this.deps.sessions.checkSignInGate(em, { user, amr: ['pwd'], method: 'password', meta });
      if (decision.allow) return null;
      await this.deps.audit.record(em, { event: AuditEvents.loginPasswordChecked, userId: user.id, meta });
      return decision.error;
    });
    if (gate) {
      const challengeId = gate.extensions?.challengeId;
      if (typeof challengeId !== 'string') throw gate;
      return this.deps.otp.challenges.toChallengeType(await this.deps.otp.challenges.loadLiveChallenge(challengeId));
    }
    const { challenge } = await this.deps.otp.challenges.issue({
      channel: 'EMAIL',
      purpose: 'LOGIN',
      destination: email,
      userId: user.id,
      // The code finishes a sign-in whose password was checked: the session's amr is ['pwd','otp','email'].
      write: async (em, c) => {
        await this.deps.otp.challenges.setFirstFactorAmr(em, c.id, ['pwd']);
      },
      audit: (c) => [
        { event: AuditEvents.loginPasswordChecked, userId: user.id, meta },
        { event: AuditEvents.otpSent, userId: user.id, meta, data: { challengeId: c.id, channel: 'EMAIL', purpose: 'LOGIN' } },
      ],
    });
    return this.deps.otp.challenges.toChallengeType(challenge);
  }

  /**
   * A password hashed at another bcrypt cost than BCRYPT_COST is hashed again at BCRYPT_COST after a right
   * password. Only replaces the hash it checked (a reset in between wins). Best effort: a busy hasher skips it.
   */
  private async rehash(userId: string, oldHash: string, password: string): Promise<void> {
    try {
      const passwordHash = await this.deps.hasher.hash(password);
      await this.deps.dataSource.manager.update(PasswordCredentialEntity, { userId, passwordHash: oldHash }, { passwordHash });
    } catch {
      // the next login tries again
    }
  }
}
