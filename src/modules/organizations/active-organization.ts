import type { DataSource, EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { SessionsService } from '../sessions/sessions.service';
import type { SessionTokens, Viewer } from '../sessions/session-types';
import { activeOrganizationOf } from '../sessions/session-rows';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
import { isUuid, notAMember, type OrganizationsService } from './organizations.service';

export interface ActiveOrganizationsDeps {
  dataSource: DataSource;
  sessions: SessionsService;
  organizations: OrganizationsService;
  now: () => Date;
}

/**
 * The session's active organization (contract, "Active organization"): setActiveOrganization, and what
 * User.activeOrganization and Session.activeOrganization answer. A new session starts with the membership made
 * active last (memberships.last_active_at), else the earliest joined: the sign-in statements do it (sessions module).
 */
export class ActiveOrganizations {
  constructor(private readonly deps: ActiveOrganizationsDeps) {}

  /**
   * Checks the membership now (FORBIDDEN NOT_A_MEMBER, unknown ids alike), remembers it as the user's last active
   * organization, and answers the same session (same sid) with its refresh token rotated and an access token with
   * the new claims. null clears the active organization. In one transaction; the organization row (FOR KEY SHARE), then
   * the membership row are locked first (a removal racing it either waits for this and then clears the session, or wins
   * and this answers NOT_A_MEMBER).
   */
  async setActive(viewer: Viewer, organizationId: string | null | undefined): Promise<SessionTokens> {
    return withTransaction(this.deps.dataSource, (em) => this.activateIn(em, viewer, organizationId ?? null));
  }

  /**
   * setActive's work inside the caller's transaction (acceptInvitation makes the joined organization active with it):
   * the membership row locked and stamped last_active_at, the session switched and its tokens rotated.
   */
  async activateIn(em: EntityManager, viewer: Viewer, organizationId: string | null): Promise<SessionTokens> {
    let active: string | null = null;
    if (organizationId !== null) {
      if (!isUuid(organizationId)) throw notAMember();
      // One lock order with the organization's mutations (lockAsMember: the organization row, then its memberships):
      // the organization first. The session's foreign key takes this same lock anyway, and taking it after the
      // membership row deadlocked against updateMemberRole, removeMember and deleteOrganization.
      const org = await em.findOne(OrganizationEntity, { where: { id: organizationId }, select: { id: true }, lock: { mode: 'for_key_share' } });
      if (!org) throw notAMember();
      const member = await em.findOne(MembershipEntity, {
        where: { userId: viewer.userId, organizationId },
        select: { id: true },
        lock: { mode: 'pessimistic_write' },
      });
      if (!member) throw notAMember();
      await em.update(MembershipEntity, { id: member.id }, { lastActiveAt: this.deps.now() });
      active = organizationId;
    }
    const tokens = await this.deps.sessions.switchOrganization(em, viewer.sessionId, viewer.userId, active);
    if (!tokens) throw new WardenError('UNAUTHENTICATED');
    return tokens;
  }

  /** The active organization of a session of `userId`, while the user is a member; else null. */
  async ofSession(userId: string, sessionId: string, knownId?: string | null): Promise<OrganizationEntity | null> {
    const id = knownId === undefined ? await activeOrganizationOf(this.deps.dataSource.manager, sessionId) : knownId;
    return id ? this.deps.organizations.organizationForMember(userId, id) : null;
  }
}
