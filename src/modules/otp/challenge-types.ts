import type { DataSource, EntityManager } from 'typeorm';
import type { OtpChallengeEntity, OtpChannelValue, OtpPurposeValue } from './otp-challenge.entity';
import type { UsersService } from '../users/users.service';
import type { IssuedSession, SessionsService, SignInPrecondition } from '../sessions/sessions.service';
import type { AuditRecord, AuditService } from '../audit/audit.service';
import type { KvStore } from '../../store/kv-store';
import type { Mailer } from '../../mail/mailer';
import type { SmsSender } from '../../sms/sms-sender';
import type { IdentifierLimits } from '../rate-limits/identifier-limits';
import type { SmsPolicy } from '../rate-limits/sms-policy';
import type { SendTiming } from '../../mail/send-timing';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';

export interface StartChallenge {
  userId: string | null;
  channel: OtpChannelValue;
  purpose: OtpPurposeValue;
  destination: string;
  /** A decoy answers like a real challenge but no code can ever satisfy it (unknown accounts). */
  decoy?: boolean;
  ttlSeconds?: number;
}

export interface ChallengesServiceDeps {
  dataSource: DataSource;
  kv: KvStore;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  mailer: Mailer;
  sms: SmsSender;
  timing: SendTiming;
  /** Sends and code checks per email or phone (RATE_LIMIT_SENDS_PER_HOUR, RATE_LIMIT_CODE_CHECKS_PER_HOUR). */
  identifierLimits: IdentifierLimits;
  /** Country allowlist and caps before any text. */
  smsPolicy: SmsPolicy;
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS: hashes made under it still match (tried only on a miss). */
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  productName: string;
  now: () => Date;
  /** Every module's codePurposes hooks (purpose → handler), read at each verify (the app passes kernel.hooks). */
  purposes: PurposeRegistry;
}

/** Where verify() finds the handler of a purpose: every module's codePurposes, one handler per purpose. */
export interface PurposeRegistry {
  codePurpose(purpose: OtpPurposeValue): PurposeHandler | undefined;
  codePurposes(): readonly OtpPurposeValue[];
}

/** What a purpose handler gets when its challenge's code was right and the challenge is now consumed. */
export interface VerifiedContext {
  meta: RequestMeta;
  /** What the purpose's checkCode answered for the right code (e.g. the TOTP factor and time step). */
  checked?: unknown;
}

/**
 * What verifyOtp does with a right code, per purpose. Runs inside the transaction that consumed the challenge
 * (so a failure un-consumes it); must not send mail or SMS (see commitThenSend).
 */
export interface PurposeHandler {
  onVerified(em: EntityManager, challenge: OtpChallengeEntity, ctx: VerifiedContext): Promise<IssuedSession>;
  /**
   * Runs in verify()'s transaction before the challenge is consumed: takes the row locks that onVerified needs
   * and that a revocation takes before it spends the challenge (the user row, then the session). A revocation
   * locks the user (deletion, password change or reset), then the sessions, then spends their pending changes
   * and challenges; consuming the challenge first and waiting for the session after would deadlock with it
   * (an INTERNAL_SERVER_ERROR). Taken in the same order, one waits for the other: a revocation that committed
   * first has spent the challenge (the consume then answers OTP_EXPIRED), one that waited sees it finished.
   */
  lockFirst?(em: EntityManager, challenge: OtpChallengeEntity): Promise<void>;
  /**
   * For challenges whose code is not stored (channel TOTP: an authenticator app): checks the code itself after
   * the challenge's attempt was counted. Answers something truthy (handed to onVerified as ctx.checked) for a
   * right code, null for a wrong one; may throw (e.g. RATE_LIMITED).
   */
  checkCode?(challenge: OtpChallengeEntity, code: string, meta: RequestMeta): Promise<unknown>;
  /** After the commit (mail, SMS, cache invalidation may run here); its failure does not undo the sign-in. */
  afterCommit?(challenge: OtpChallengeEntity, issued: IssuedSession, ctx: VerifiedContext): Promise<void>;
  /**
   * The common case of onVerified in one autocommitted statement that consumes the challenge too (`consume`, the
   * consuming UPDATE for SessionsService.signInOneStatement). null when it signed nobody in and wrote nothing:
   * verify() then takes the general path (consume and onVerified in one transaction), which decides again.
   */
  fastVerify?(challenge: OtpChallengeEntity, ctx: VerifiedContext, consume: SignInPrecondition): Promise<IssuedSession | null>;
}

/** A challenge to issue: who, where, why, plus the flow's own rows and audit events, written in one transaction. */
export interface IssueSpec<X> {
  channel: OtpChannelValue;
  purpose: OtpPurposeValue;
  destination: string;
  ttlSeconds?: number;
  /** The owner, or a function that writes what the challenge needs first (e.g. a new account) and returns it. */
  userId: string | null | ((em: EntityManager) => Promise<string | null>);
  /** More rows in the same transaction (e.g. the reset link that travels with a reset code). */
  write?: (em: EntityManager, challenge: OtpChallengeEntity) => Promise<X>;
  /** Audit rows, written once the message was handed over (a failed send leaves delivery.failed instead). */
  audit: (challenge: OtpChallengeEntity, extra: X) => AuditRecord[];
  /** The message, sent after COMMIT. Default: the code by the challenge's channel (deliver()). */
  send?: (challenge: OtpChallengeEntity, code: string, extra: X) => Promise<void>;
  /** When the send failed, spends the flow's own rows besides the challenge (which is always spent). */
  spend?: (em: EntityManager, challenge: OtpChallengeEntity, extra: X) => Promise<void>;
  /** After a successful send: void what this challenge replaces. */
  afterSent?: (em: EntityManager, challenge: OtpChallengeEntity, extra: X) => Promise<void>;
}

/** Attempt counters outlive any challenge: a resend never resets a challenge's budget. */
export const ATTEMPTS_TTL_SECONDS = 24 * 3600;

/** The key-value keys of a challenge: its attempt counter and its resend cooldown. */
export const challengeKeys = {
  attempts: (id: string): string => `otp:{${id}}:attempts`,
  cooldown: (id: string): string => `otp:{${id}}:cooldown`,
};
