import type { DataSource, EntityManager } from 'typeorm';
import { withTransaction } from '../../db/transaction';
import type { ClaimsChange, RevocationList } from '../sessions/revocation-list';
import { clearActiveOrganization } from '../sessions/session-rows';

/** A member whose organization claims a change alters: the new role, or null when the membership ended. */
export interface ChangedMember {
  userId: string;
  role: string | null;
}

export interface StaleClaimsDeps {
  revocations: RevocationList;
  /** The sorted permissions a role grants in an organization (OrganizationsService.permissionsFor). */
  permissionsFor: (organizationId: string, role: string, em: EntityManager) => Promise<readonly string[]> | readonly string[];
  now: () => Date;
}

/** The changes a transaction collected, published once it committed (StaleClaims.publish). */
export type PendingClaims = Omit<ClaimsChange, 'publishedS'>[];

/**
 * Stale claims (contract, "Token claims and stale claims"): when a membership change alters a member's org_role or
 * scope in an organization, that member's access tokens for it issued before the change are refused
 * (UNAUTHENTICATED, reason CLAIMS_CHANGED) on every instance, through the revocation list and its channel. Their
 * sessions and refresh tokens live on: refreshSession answers the current claims.
 */
export class StaleClaims {
  constructor(private readonly deps: StaleClaimsDeps) {}

  /**
   * Inside the change's transaction, after the change: a membership that ended no longer is any session's active
   * organization; answers what to publish after COMMIT.
   */
  async membersChanged(em: EntityManager, organizationId: string, members: readonly ChangedMember[]): Promise<PendingClaims> {
    const ended = members.filter((m) => m.role === null).map((m) => m.userId);
    await clearActiveOrganization(em, ended, organizationId);
    const pending: PendingClaims = [];
    const atS = Math.floor(this.deps.now().getTime() / 1000);
    for (const m of members) {
      const scope = m.role === null ? null : [...(await this.deps.permissionsFor(organizationId, m.role, em))].sort().join(' ');
      pending.push({ userId: m.userId, organizationId, atS, role: m.role, scope });
    }
    return pending;
  }

  /**
   * After COMMIT: the store first (the truth every instance reads), then the channel. Tokens issued from now on
   * carry the new claims; those issued before are refused. SERVICE_UNAVAILABLE when the store is down.
   */
  async publish(pending: PendingClaims): Promise<void> {
    if (pending.length === 0) return;
    const publishedS = Math.floor(this.deps.now().getTime() / 1000);
    await this.deps.revocations.claimsChanged(pending.map((p) => ({ ...p, publishedS })));
  }
}

/** Collects, inside a change's transaction, the members whose token claims it alters (published after COMMIT). */
export type ClaimsCollector = (organizationId: string, members: readonly ChangedMember[]) => Promise<void>;

/**
 * A membership change's transaction: `work` reports the members whose claims it alters (claims(organizationId,
 * members)); once it committed, their older access tokens for that organization are refused on every instance.
 */
export async function changingClaims<T>(
  dataSource: DataSource,
  claims: StaleClaims | undefined,
  work: (em: EntityManager, claims: ClaimsCollector) => Promise<T>,
): Promise<T> {
  let pending: PendingClaims = [];
  const result = await withTransaction(dataSource, async (em) => {
    pending = [];
    return work(em, async (organizationId, members) => {
      if (claims) pending.push(...(await claims.membersChanged(em, organizationId, members)));
    });
  });
  await claims?.publish(pending);
  return result;
}
