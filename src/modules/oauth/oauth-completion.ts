import { randomUUID } from 'node:crypto';
import { constantTimeEqual } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { isUniqueViolation } from '../../db/db-errors';
import type { RequestMeta } from '../request-meta';
import { AuditEvents } from '../audit/audit-events';
import type { IssuedSession, Viewer } from '../sessions/sessions.service';
import { lockUser } from '../users';
import { IdentityEntity } from './identity.entity';
import { pkceChallenge } from './provider-clients';
import { VERIFIER, WARDEN_CODE, oauthFailed, type OAuthContext, type StoredCode } from './oauth-context';

/** completeOAuth: a sign-in code signs in; a link code links the provider account on the session that asked. */
export class OAuthCompletion {
  constructor(private readonly context: OAuthContext) {}

  private get deps() {
    return this.context.deps;
  }

  /**
   * completeOAuth: redeems the Warden code once (of racing callers exactly one gets it) with the verifier of the
   * flow's codeChallenge (always required). A sign-in code signs in; a link code links the provider account,
   * only on the bearer of the live session that called linkOAuth, and answers that session's fresh pair.
   */
  async complete(input: { code: string; codeVerifier?: string | null }, meta: RequestMeta, viewer: Viewer | null): Promise<IssuedSession> {
    const taken = WARDEN_CODE.test(input.code) ? await this.deps.kv.getAndDelete(this.context.codeKey(input.code)) : null;
    const stored = taken ? (JSON.parse(taken) as StoredCode) : null;
    const refuse = async (detail: string): Promise<never> => {
      await this.context.recordFailure('INVALID_STATE', stored?.provider ?? 'unknown', meta, stored?.userId ?? null, detail);
      throw oauthFailed('INVALID_STATE');
    };
    if (!stored) return refuse('unknown or used code');
    if (stored.expiresAtMs <= this.deps.now().getTime()) return refuse('code expired');
    const verifier = input.codeVerifier ?? '';
    if (!stored.codeChallenge || !VERIFIER.test(verifier) || !constantTimeEqual(await pkceChallenge(verifier), stored.codeChallenge)) {
      return refuse('codeVerifier missing or does not match codeChallenge');
    }
    if (stored.link) {
      if (!stored.profile || !viewer || viewer.sessionId !== stored.sessionId || viewer.userId !== stored.userId) {
        return refuse('link code redeemed outside the linking session');
      }
      return this.completeLink(stored, meta, refuse);
    }
    const issued = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.deps.users.findById(em, stored.userId);
      if (!user) return null;
      return this.deps.sessions.signIn(em, { user, amr: ['oauth'], method: `oauth_${stored.provider}`, meta });
    });
    if (!issued) return refuse('user gone');
    return issued;
  }

  /** The link itself, in one transaction that also re-checks the session (F2) and answers its fresh pair. */
  private async completeLink(stored: StoredCode, meta: RequestMeta, refuse: (detail: string) => Promise<never>): Promise<IssuedSession> {
    const profile = stored.profile!;
    const provider = stored.provider;
    let outcome: { issued: IssuedSession; linked: boolean } | 'SESSION_ENDED' | 'IDENTITY_ALREADY_LINKED';
    try {
      outcome = await withTransaction(this.deps.dataSource, async (em) => {
        const user = await lockUser(em, stored.userId);
        const issued = user ? await this.deps.sessions.continueSession(em, stored.sessionId!, stored.userId) : null;
        if (!user || !issued) return 'SESSION_ENDED' as const;
        const identity = await em.findOne(IdentityEntity, { where: { provider, subject: profile.subject }, lock: { mode: 'pessimistic_write' } });
        if (identity && identity.userId !== user.id) return 'IDENTITY_ALREADY_LINKED' as const;
        const now = this.deps.now();
        const identityId = identity?.id ?? randomUUID();
        const { email, emailVerified } = profile;
        if (identity) {
          await em.update(IdentityEntity, { id: identity.id }, { email, emailVerified, lastSignInAt: now });
        } else {
          await em.insert(IdentityEntity, { id: identityId, userId: user.id, provider, subject: profile.subject, email, emailVerified, lastSignInAt: now });
          await this.deps.audit.record(em, { event: AuditEvents.identityLinked, userId: user.id, meta, data: { provider, identityId, via: 'linkOAuth' } });
        }
        await this.deps.audit.record(em, { event: AuditEvents.oauthCompleted, userId: user.id, meta, data: { provider, identityId, link: true } });
        return { issued, linked: !identity };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      outcome = 'IDENTITY_ALREADY_LINKED'; // linked to someone else meanwhile
    }
    if (outcome === 'SESSION_ENDED') return refuse('linking session ended');
    if (outcome === 'IDENTITY_ALREADY_LINKED') {
      await this.context.recordFailure('IDENTITY_ALREADY_LINKED', provider, meta, stored.userId, 'identity of another user');
      throw new WardenError('IDENTITY_ALREADY_LINKED');
    }
    if (outcome.linked) await this.context.notify(stored.userId, 'linked', provider, profile.email, meta);
    return outcome.issued;
  }
}
