import { SessionEntity } from './session.entity';
import type { SessionsServiceDeps, Viewer } from './session-types';
import { WardenError } from '../../errors/warden-error';

/** Reads of live sessions: is this bearer's session live, which sessions a user has, how recent its authentication is. */
export class LiveSessions {
  constructor(private readonly deps: SessionsServiceDeps) {}

  /** Validates a bearer token: signature, expiry, and that its session was not revoked since. */
  async authenticate(accessToken: string): Promise<Viewer> {
    const claims = await this.deps.accessTokens.verify(accessToken);
    if (await this.deps.revocations.isRevoked(claims.sessionId)) throw new WardenError('UNAUTHENTICATED');
    if (claims.organization && (await this.deps.revocations.claimsStale(claims))) throw claimsChanged();
    const organization = { organizationId: claims.organization?.id ?? null, organizationScope: claims.organization?.scope };
    if (claims.impersonatorId) {
      // The acting admin must still be one, on every request of the session (the impersonators hook).
      for (const stillAllowed of this.deps.impersonators?.() ?? []) {
        if (!(await stillAllowed(claims.impersonatorId))) throw new WardenError('UNAUTHENTICATED');
      }
      if (!(await this.impersonationLive(claims.sessionId))) throw new WardenError('UNAUTHENTICATED');
      return { userId: claims.userId, sessionId: claims.sessionId, impersonatorId: claims.impersonatorId, ...organization };
    }
    return { userId: claims.userId, sessionId: claims.sessionId, ...organization };
  }

  /**
   * The impersonation session itself is not revoked nor past its end (the revocation list forgets an entry after the
   * access-token lifetime, and an impersonation token may live longer: IMPERSONATION_TTL_SECONDS), and the admin's
   * starting session is still live: not revoked, not past its expires_at, not idle past REFRESH_IDLE_TTL (contract:
   * "when the admin's starting session ends"). One read; this path reads the admin's row on every request anyway.
   */
  private async impersonationLive(impersonationSessionId: string): Promise<boolean> {
    const now = this.deps.now();
    const row: unknown = await this.deps.dataSource.manager
      .createQueryBuilder(SessionEntity, 'imp')
      .innerJoin(SessionEntity, 'adm', 'adm.id = imp.impersonator_session_id')
      .select('adm.id', 'id')
      .where('imp.id = :id AND imp.revoked_at IS NULL AND imp.expires_at > :now', { id: impersonationSessionId, now })
      .andWhere('adm.revoked_at IS NULL AND adm.expires_at > :now AND adm.last_used_at > :idleCutoff', {
        now,
        idleCutoff: new Date(now.getTime() - this.deps.limits.refreshIdleTtlSeconds * 1000),
      })
      .getRawOne();
    return row !== undefined;
  }

  /**
   * The same check when it needs no I/O (the token verified before, and the revocation list is current):
   * the Viewer, or UNAUTHENTICATED if revoked. undefined: call authenticate().
   */
  authenticateFromMemory(accessToken: string): Viewer | undefined {
    const claims = this.deps.accessTokens.remembered(accessToken);
    // An impersonation token always takes authenticate(): its admin's rights are read on every request.
    if (!claims || claims.impersonatorId) return undefined;
    const revoked = this.deps.revocations.isRevokedLocally(claims.sessionId);
    if (revoked === null) return undefined;
    if (revoked) throw new WardenError('UNAUTHENTICATED');
    const stale = this.deps.revocations.claimsStaleLocally(claims);
    if (stale === null) return undefined;
    if (stale) throw claimsChanged();
    return {
      userId: claims.userId,
      sessionId: claims.sessionId,
      organizationId: claims.organization?.id ?? null,
      organizationScope: claims.organization?.scope,
    };
  }

  /** Live sessions of a user, newest first. */
  async listLive(userIds: readonly string[]): Promise<Map<string, SessionEntity[]>> {
    const now = this.deps.now();
    const rows = await this.deps.dataSource.manager
      .createQueryBuilder(SessionEntity, 's')
      .where('s.user_id IN (:...userIds)', { userIds })
      .andWhere('s.revoked_at IS NULL')
      .andWhere('s.expires_at > :now', { now })
      .andWhere('s.last_used_at > :idleCutoff', { idleCutoff: new Date(now.getTime() - this.deps.limits.refreshIdleTtlSeconds * 1000) })
      .orderBy('s.created_at', 'DESC')
      .getMany();
    const byUser = new Map<string, SessionEntity[]>(userIds.map((id) => [id, []]));
    for (const row of rows) byUser.get(row.userId)?.push(row);
    return byUser;
  }

  /** REAUTHENTICATION_REQUIRED (extensions.maxAgeSeconds) unless the session authenticated within REAUTH_MAX_AGE_SECONDS. */
  async requireRecentAuthentication(viewer: Viewer): Promise<void> {
    if (viewer.impersonatorId) throw impersonationRefused();
    const maxAgeSeconds = this.deps.reauthMaxAgeSeconds ?? 900;
    const session = await this.deps.dataSource.manager.findOne(SessionEntity, {
      where: { id: viewer.sessionId },
      select: { id: true, lastAuthenticatedAt: true },
    });
    if (!session) throw new WardenError('UNAUTHENTICATED');
    if (this.deps.now().getTime() - session.lastAuthenticatedAt.getTime() > maxAgeSeconds * 1000) {
      throw new WardenError('REAUTHENTICATION_REQUIRED', { extensions: { maxAgeSeconds } });
    }
  }
}

/** What an impersonation session may not do (contract, "Administration"): every @RecentAuth mutation, and a list. */
export function impersonationRefused(): WardenError {
  return new WardenError('FORBIDDEN', { message: 'Not with an impersonation session.', extensions: { reason: 'IMPERSONATION' } });
}

/** A membership change altered the token's organization claims: refresh once (new claims) and retry. */
function claimsChanged(): WardenError {
  return new WardenError('UNAUTHENTICATED', {
    message: 'The organization claims of this token changed: refresh the session and retry.',
    extensions: { reason: 'CLAIMS_CHANGED' },
  });
}
