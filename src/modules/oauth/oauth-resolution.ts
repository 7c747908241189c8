import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { OAuthProviderConfig } from '../../config/oauth-providers';
import { dropUnverifiedPassword } from '../password/unverified-password';
import { withTransaction } from '../../db/transaction';
import { isUniqueViolation } from '../../db/db-errors';
import type { RequestMeta } from '../request-meta';
import { AuditEvents } from '../audit/audit-events';
import { lockUserByEmail } from '../users';
import { IdentityEntity } from './identity.entity';
import type { ProviderProfile } from './provider-clients';
import type { OAuthContext, Resolution } from './oauth-context';

/** The sign-in rules (docs/oauth.md): a provider account to a Warden user, inside the callback's one transaction. */
export class ProviderAccountResolution {
  constructor(private readonly context: OAuthContext) {}

  private get deps() {
    return this.context.deps;
  }

  /**
   * Two callbacks racing for the same new provider account (or the same new email) meet at a unique index; the
   * loser's transaction rolls back and runs once more, when it finds the winner's rows and signs in to them.
   */
  async resolveWithRetry(provider: OAuthProviderConfig, profile: ProviderProfile, meta: RequestMeta): Promise<Resolution> {
    try {
      return await withTransaction(this.deps.dataSource, (em) => this.resolve(em, provider, profile, meta));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return withTransaction(this.deps.dataSource, (em) => this.resolve(em, provider, profile, meta));
    }
  }

  /**
   * The sign-in rules (docs/oauth.md), inside the callback's one transaction (a linkOAuth flow links at
   * completeOAuth instead: linkCallback, completeLink).
   */
  private async resolve(em: EntityManager, providerConfig: OAuthProviderConfig, profile: ProviderProfile, meta: RequestMeta): Promise<Resolution> {
    const provider = providerConfig.id;
    const now = this.deps.now();
    const email = this.context.providerEmail(profile);
    const emailVerified = email !== null && profile.emailVerified;
    const identity = await em.findOne(IdentityEntity, { where: { provider, subject: profile.subject }, lock: { mode: 'pessimistic_write' } });

    if (identity) {
      await em.update(IdentityEntity, { id: identity.id }, { email, emailVerified, lastSignInAt: now });
      await this.deps.audit.record(em, { event: AuditEvents.oauthCompleted, userId: identity.userId, meta, data: { provider, identityId: identity.id } });
      return { ok: true, userId: identity.userId, identityId: identity.id, created: false, linked: false, identityEmail: email };
    }

    // A new provider account: only a verified email links or creates anything.
    if (!email || !emailVerified) return { ok: false, error: 'EMAIL_NOT_VERIFIED' };
    const identityId = randomUUID();
    let user = await lockUserByEmail(em, email);
    let created = false;
    let takeover = false;
    if (user) {
      // Linking to an existing account by email only where this provider's "verified" is trusted (F18: a
      // generic IdP that lets users set their own address would otherwise take over any account). Otherwise the
      // user signs in another way and links the provider from settings (linkOAuth).
      if (!providerConfig.trustEmail) return { ok: false, error: 'EMAIL_NOT_VERIFIED' };
      if (!user.emailVerified) {
        // Pre-registration takeover: whoever signed up with this address never proved it. The provider did, so
        // the account goes to the provider's user; the unverified password and every session are dropped.
        takeover = await dropUnverifiedPassword(em, this.deps.sessions, user, 'oauth_unverified_account_claimed', meta);
        user = await this.deps.users.markVerified(em, user, 'EMAIL');
      }
    } else {
      // A new account takes the address only from a provider trusted for email (F18). An untrusted one's account
      // gets no email: the address stays on the identity row, so that Google, a LOGIN code, a magic link or a
      // reset for it never reach this account. The user can add an address later (requestEmailChange).
      const own = providerConfig.trustEmail ? { email, emailVerified: true } : { email: null, emailVerified: false };
      user = await this.deps.users.create(em, { ...own, name: this.context.providerName(profile) });
      created = true;
      await this.deps.audit.record(em, { event: AuditEvents.userSignedUp, userId: user.id, meta, data: { method: `oauth_${provider}` } });
    }
    await em.insert(IdentityEntity, { id: identityId, userId: user.id, provider, subject: profile.subject, email, emailVerified, lastSignInAt: now });
    if (!created) {
      await this.deps.audit.record(em, {
        event: AuditEvents.identityLinked,
        userId: user.id,
        meta,
        data: { provider, identityId, via: 'verified_email', takeover },
      });
    }
    await this.deps.audit.record(em, { event: AuditEvents.oauthCompleted, userId: user.id, meta, data: { provider, identityId, created } });
    return { ok: true, userId: user.id, identityId, created, linked: !created, identityEmail: email };
  }
}
