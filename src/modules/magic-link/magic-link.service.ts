import type { DataSource, EntityManager } from 'typeorm';
import { MagicLinkTokenEntity } from './magic-link-token.entity';
import type { UsersService } from '../users/users.service';
import { lockUser } from '../users/user-rows';
import { normalizeEmail } from '../users/identifiers';
import type { IssuedSession, SessionsService } from '../sessions/sessions.service';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { Mailer } from '../../mail/mailer';
import type { SendTiming } from '../../mail/send-timing';
import { createSecretToken, keyedHash, keyedHashMatches, parseSecretToken } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { dropUnverifiedPassword } from '../password/unverified-password';
import type { RequestMeta } from '../request-meta';
import type { Limits } from '../../config/limits';
import { withTransaction } from '../../db/transaction';
import { commitThenSend } from '../../db/commit-then-send';
import { realOrDecoy } from '../otp/real-or-decoy';
import type { IdentifierLimits } from '../rate-limits/identifier-limits';

export interface MagicLinkServiceDeps {
  dataSource: DataSource;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  mailer: Mailer;
  timing: SendTiming;
  /** Links count with codes against RATE_LIMIT_SENDS_PER_HOUR per email. */
  identifierLimits: IdentifierLimits;
  hmacKey: Buffer;
  /** WARDEN_SECRET_PREVIOUS: hashes made under it still match (tried only on a miss). */
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  appUrl: string;
  magicLinkPath: string;
  redirectAllowlist: readonly string[];
  now: () => Date;
}

const PURPOSE = 'magic-link';

/** SendTiming kind: real requests and unknown-email decoys. */
const TIMING_KIND = 'magic-link';

/** Single-use sign-in links. The link opens the frontend (APP_URL), which calls verifyMagicLink. */
export class MagicLinkService {
  constructor(private readonly deps: MagicLinkServiceDeps) {}

  /** redirectTo must be on an origin in REDIRECT_ALLOWLIST. */
  checkRedirect(redirectTo: string | null | undefined): string | null {
    if (redirectTo === null || redirectTo === undefined || redirectTo === '') return null;
    let url: URL;
    try {
      if (redirectTo.length > 2048) throw new Error('too long');
      url = new URL(redirectTo);
    } catch {
      throw WardenError.badInput('redirectTo must be an absolute URL.', 'redirectTo');
    }
    if (!this.deps.redirectAllowlist.includes(url.origin)) {
      throw WardenError.badInput('redirectTo is not on an allowed origin (REDIRECT_ALLOWLIST).', 'redirectTo');
    }
    return url.toString();
  }

  /** APP_URL + MAGIC_LINK_PATH + ?token=…, built from configuration only, never from a request header. */
  linkFor(token: string, redirectTo: string | null): string {
    const url = new URL(this.deps.appUrl + this.deps.magicLinkPath);
    url.searchParams.set('token', token);
    if (redirectTo) url.searchParams.set('redirectTo', redirectTo);
    return url.toString();
  }

  /**
   * Always resolves (ok: true) for a well-formed request; mails a link only when the account exists.
   * An unknown email does its own (smaller) work padded to about the time a real request takes.
   */
  async request(input: { email: string; redirectTo?: string | null }, meta: RequestMeta): Promise<void> {
    const email = normalizeEmail(input.email);
    const redirectTo = this.checkRedirect(input.redirectTo);
    await this.deps.identifierLimits.countSend(email);
    const user = await this.deps.users.findByEmail(this.deps.dataSource.manager, email);
    await realOrDecoy<unknown>(
      this.deps,
      TIMING_KIND,
      user ? { userId: user.id, flow: 'magic_link', channel: 'EMAIL', meta } : null,
      () =>
        commitThenSend(this.deps.dataSource, {
          write: async (em) => {
            // Requests for one account take turns (the user row's lock), so "newest" is well defined.
            await lockUser(em, user!.id);
            const now = this.deps.now();
            const token = createSecretToken();
            const expiresAt = new Date(now.getTime() + this.deps.limits.magicLinkTtlSeconds * 1000);
            await em.insert(MagicLinkTokenEntity, {
              id: token.id,
              userId: user!.id,
              secretHash: keyedHash(this.deps.hmacKey, PURPOSE, token.secret),
              redirectTo,
              expiresAt,
              consumedAt: null,
            });
            return { token, expiresAt };
          },
          send: ({ token, expiresAt }) => this.deps.mailer.sendMagicLink(email, this.linkFor(token.token, redirectTo), expiresAt),
          // Not delivered: the link is spent at once, and the links sent before stay as they were.
          spend: (em, { token }) => this.spendLink(em, token.id),
          // Delivered: audited, and it replaces every older unused link (see voidOtherLinks).
          afterSent: async (em, { token }) => {
            await this.deps.audit.record(em, { event: AuditEvents.magicLinkSent, userId: user!.id, meta, data: { tokenId: token.id, redirectTo } });
            await this.voidOtherLinks(user!.id, token.id);
          },
        }),
      () => this.deps.audit.recordAlone({ event: AuditEvents.magicLinkRequested, outcome: 'failure', meta, data: { reason: 'unknown_email' } }),
    );
  }

  private async spendLink(em: EntityManager, tokenId: string): Promise<void> {
    await em
      .createQueryBuilder()
      .update(MagicLinkTokenEntity)
      .set({ consumedAt: this.deps.now() })
      .where('id = :id', { id: tokenId })
      .andWhere('consumed_at IS NULL')
      .execute();
  }

  /**
   * After a link was mailed: if it is still live, every other live link of the account is voided. Runs under the
   * user row's lock, so of concurrent requests exactly one link stays live (the last delivered one to get here;
   * a link already voided by a later one voids nothing).
   */
  private voidOtherLinks(userId: string, tokenId: string): Promise<void> {
    return withTransaction(this.deps.dataSource, async (em) => {
      await lockUser(em, userId);
      const mine = await em.findOne(MagicLinkTokenEntity, { where: { id: tokenId } });
      if (!mine || mine.consumedAt) return;
      await em
        .createQueryBuilder()
        .update(MagicLinkTokenEntity)
        .set({ consumedAt: this.deps.now() })
        .where('user_id = :userId', { userId })
        .andWhere('id <> :tokenId', { tokenId })
        .andWhere('consumed_at IS NULL')
        .execute();
    });
  }

  /** Consumes the link's token (exactly one of racing callers wins), marks the email verified, signs in. */
  async verify(rawToken: string, meta: RequestMeta): Promise<IssuedSession> {
    const parsed = parseSecretToken(rawToken);
    if (!parsed) {
      await this.deps.audit.recordAlone({ event: AuditEvents.magicLinkFailed, outcome: 'failure', meta, data: { reason: 'malformed' } });
      throw new WardenError('INVALID_TOKEN');
    }
    const outcome = await withTransaction(this.deps.dataSource, async (em) => {
      const now = this.deps.now();
      const row = await em.findOne(MagicLinkTokenEntity, { where: { id: parsed.id } });
      if (!row || !keyedHashMatches(row.secretHash, this.deps.hmacKey, this.deps.previousHmacKey, PURPOSE, parsed.secret)) {
        return { ok: false as const, reason: 'unknown', userId: null };
      }
      const consumed = await em
        .createQueryBuilder()
        .update(MagicLinkTokenEntity)
        .set({ consumedAt: now })
        .where('id = :id', { id: row.id })
        .andWhere('consumed_at IS NULL')
        .andWhere('expires_at > :now', { now })
        .execute();
      if (consumed.affected !== 1) return { ok: false as const, reason: row.consumedAt ? 'used_or_revoked' : 'expired', userId: row.userId };
      let user = await this.deps.users.findById(em, row.userId);
      if (!user) return { ok: false as const, reason: 'unknown', userId: null };
      // The link proves the address for the first time: a password set before that was never the owner's (F13).
      await dropUnverifiedPassword(em, this.deps.sessions, user, 'magic_link_unverified_account_claimed', meta);
      user = await this.deps.users.markVerified(em, user, 'EMAIL');
      await this.deps.audit.record(em, { event: AuditEvents.magicLinkUsed, userId: user.id, meta, data: { tokenId: row.id } });
      return { ok: true as const, issued: await this.deps.sessions.signIn(em, { user, meta, method: 'magic_link', amr: ['email'] }) };
    });
    if (!outcome.ok) {
      await this.deps.audit.recordAlone({
        event: AuditEvents.magicLinkFailed,
        outcome: 'failure',
        userId: outcome.userId,
        meta,
        data: { tokenId: parsed.id, reason: outcome.reason },
      });
      throw new WardenError('INVALID_TOKEN');
    }
    return outcome.issued;
  }
}
