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
import { isUniqueViolation } from '../../db/db-errors';
import type { LoginLockout } from '../rate-limits/login-lockout';
import type { IdentifierLimits } from '../rate-limits/identifier-limits';

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
  audit: AuditService;
  hasher: PasswordHasher;
  mailer: Mailer;
  /** Locks password login per email after LOGIN_LOCKOUT_THRESHOLD failures. */
  lockout: LoginLockout;
  /** A wrong password answers like a right one when the email's sends budget is spent (no oracle). */
  identifierLimits: IdentifierLimits;
  limits: Readonly<Limits>;
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

  hashNewPassword(password: unknown, field = 'password'): Promise<string> {
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

    const attempt = () =>
      withTransaction(this.deps.dataSource, async (em) => {
        const existing = await this.deps.users.findByEmail(em, email);
        if (existing) {
          const { challenge } = await this.deps.otp.start(em, { userId: null, channel: 'EMAIL', purpose: 'SIGNUP', destination: email, decoy: true });
          await this.deps.audit.record(em, { event: AuditEvents.signupDuplicateAttempted, outcome: 'failure', userId: existing.id, meta });
          await this.deps.mailer.sendAccountExistsNotice(email);
          return this.deps.otp.toChallengeType(challenge);
        }
        const user = await this.deps.users.create(em, { email, name, organization });
        await this.setPassword(em, user.id, passwordHash);
        const { challenge, code } = await this.deps.otp.start(em, { userId: user.id, channel: 'EMAIL', purpose: 'SIGNUP', destination: email });
        await this.deps.audit.record(em, { event: AuditEvents.userSignedUp, userId: user.id, meta, data: { organization: organization !== null } });
        await this.deps.audit.record(em, { event: AuditEvents.otpSent, userId: user.id, meta, data: { challengeId: challenge.id, channel: 'EMAIL', purpose: 'SIGNUP' } });
        // Sent last, inside the transaction: if the mail cannot be handed over, nothing is kept.
        await this.deps.otp.deliver(challenge, code!);
        return this.deps.otp.toChallengeType(challenge);
      });
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
    const ok = credential
      ? await this.deps.hasher.verify(params.password, credential.passwordHash)
      : await this.deps.hasher.verifyDummy(params.password);
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
    return withTransaction(this.deps.dataSource, async (tx) => {
      const { challenge, code } = await this.deps.otp.start(tx, { userId: user.id, channel: 'EMAIL', purpose: 'LOGIN', destination: email });
      await this.deps.audit.recordMany(tx, [
        { event: AuditEvents.loginPasswordChecked, userId: user.id, meta },
        { event: AuditEvents.otpSent, userId: user.id, meta, data: { challengeId: challenge.id, channel: 'EMAIL', purpose: 'LOGIN' } },
      ]);
      await this.deps.otp.deliver(challenge, code!);
      return this.deps.otp.toChallengeType(challenge);
    });
  }
}
