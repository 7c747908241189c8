import type { EntityManager } from 'typeorm';
import { RefreshTokenEntity } from './refresh-token.entity';
import { SessionEntity } from './session.entity';
import type { UserEntity } from '../users/users.service';
import type { SessionAssurance } from './assurance';
import type { SessionsServiceDeps, SessionTokens, TokenScopeSubject } from './session-types';
import { createSecretToken, keyedHash, keyedHashMatches } from '../../crypto/secret-token';
import { RawStatements } from '../../db/raw-statements';
import type { OrganizationClaims } from './access-tokens';
import { membershipStatements } from '../organizations/membership-statements';

const REFRESH_PURPOSE = 'refresh';

/**
 * What sign-in, refresh and revocation share: refresh tokens (keyed hash at rest), the token pair a session is
 * answered with, when its refresh token stops working, and the named raw statements on TypeORM's pool.
 */
export class TokenPairs {
  private rawStatements: RawStatements | null = null;

  constructor(private readonly deps: SessionsServiceDeps) {}

  get raw(): RawStatements {
    return (this.rawStatements ??= new RawStatements(this.deps.dataSource));
  }

  static assurance(session: SessionEntity): SessionAssurance {
    return { amr: session.amr, aal: session.aal, authTime: session.lastAuthenticatedAt };
  }

  hash(secret: string): string {
    return keyedHash(this.deps.hmacKey, REFRESH_PURPOSE, secret);
  }

  /**
   * A refresh token's stored hash against its secret: under WARDEN_SECRET, then (a token issued before a rotation)
   * WARDEN_SECRET_PREVIOUS. The one-statement rotation compares under the current key only; a miss takes the
   * general path, which asks this. Rotating replaces the token with one hashed under the current key.
   */
  matches(stored: string, secret: string): boolean {
    return keyedHashMatches(stored, this.deps.hmacKey, this.deps.previousHmacKey, REFRESH_PURPOSE, secret);
  }

  private async newRefreshToken(em: EntityManager, sessionId: string): Promise<string> {
    const token = createSecretToken();
    await em.insert(RefreshTokenEntity, { id: token.id, sessionId, secretHash: this.hash(token.secret), rotatedAt: null });
    return token.token;
  }

  /**
   * A new refresh token for an existing session (written in `em`) and a fresh access token with the current claims
   * of its active organization (read in `em`); a membership that ended clears the session's active organization.
   */
  async issue(em: EntityManager, session: SessionEntity, user: UserEntity, signIn: boolean): Promise<SessionTokens> {
    let role: string | null = null;
    if (session.activeOrganizationId) {
      role = await membershipStatements.roleIn(em, session.userId, session.activeOrganizationId);
      if (role === null) {
        await em.update(SessionEntity, { id: session.id }, { activeOrganizationId: null });
        session.activeOrganizationId = null;
      }
    }
    return this.answer(session, user, await this.newRefreshToken(em, session.id), signIn, role, em);
  }

  /**
   * The organization claims of a token: the active organization, the user's role there (null: no membership, no
   * claims) and the role's permissions from the organizationClaims hook.
   */
  async organizationClaims(organizationId: string | null | undefined, role: string | null | undefined, em?: EntityManager): Promise<OrganizationClaims | null> {
    if (!organizationId || !role) return null;
    const source = this.deps.organizationClaims?.();
    if (!source) return null;
    // In the caller's transaction when there is one: a second connection while holding one can wait forever on a
    // pool of one (embedded PostgreSQL) and costs a connection elsewhere.
    return { id: organizationId, role, scope: await source.permissionsFor(organizationId, role, em) };
  }

  /** The platform scope names every tokenScopes hook grants this subject (warden:admin), deduplicated. */
  platformScope(subject: TokenScopeSubject): string[] {
    const sources = this.deps.tokenScopes?.() ?? [];
    return sources.length === 0 ? [] : [...new Set(sources.flatMap((source) => source(subject)))];
  }

  /**
   * The answer for a session whose refresh token was already written: that token and a fresh access token (with
   * the claims of `session.activeOrganizationId` when `role`, the user's role there, is given).
   */
  async answer(
    session: SessionEntity,
    user: UserEntity,
    refreshToken: string,
    signIn: boolean,
    role?: string | null,
    em?: EntityManager,
  ): Promise<SessionTokens> {
    const organization = await this.organizationClaims(session.activeOrganizationId, role, em);
    const platform = this.platformScope({ email: user.email, emailVerified: user.emailVerified, aal: session.aal });
    const access = await this.deps.accessTokens.issue(session.userId, session.id, TokenPairs.assurance(session), organization, platform);
    return {
      signIn,
      sessionId: session.id,
      accessToken: access.token,
      accessTokenExpiresAt: access.expiresAt,
      refreshToken,
      refreshTokenExpiresAt: this.refreshExpiresAt(session),
      user,
    };
  }

  /** When the refresh token stops working: the idle limit or the absolute limit, whichever comes first. */
  refreshExpiresAt(session: Pick<SessionEntity, 'lastUsedAt' | 'expiresAt'>): Date {
    const idleEnd = session.lastUsedAt.getTime() + this.deps.limits.refreshIdleTtlSeconds * 1000;
    return new Date(Math.min(idleEnd, session.expiresAt.getTime()));
  }

  /** Marks every unrotated refresh token of a session rotated: the session's one live token is the next one issued. */
  async rotateLiveTokens(em: EntityManager, sessionId: string, now: Date): Promise<void> {
    await em
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ rotatedAt: now })
      .where('session_id = :sessionId', { sessionId })
      .andWhere('rotated_at IS NULL')
      .execute();
  }
}
