import type { SessionType } from './session.type';
import type { EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';

/** What other modules may read of a session row (they never import session.entity.ts). */
export interface SessionState {
  id: string;
  userId: string;
  revokedAt: Date | null;
  expiresAt: Date;
  aal: SessionEntity['aal'];
  /** Sign-in or the last re-authentication (what recent authentication is measured from). */
  lastAuthenticatedAt: Date;
}

/**
 * The session row locked in `em`'s transaction: 'share' (FOR SHARE: a revocation committing meanwhile is waited
 * for and seen) or 'update' (FOR UPDATE). Takes it in the order every revocation does (after the user row).
 */
export async function lockSession(em: EntityManager, id: string, mode: 'share' | 'update'): Promise<void> {
  await em.findOne(SessionEntity, { where: { id }, select: { id: true }, lock: { mode: mode === 'share' ? 'pessimistic_read' : 'pessimistic_write' } });
}

/** The session's owner, state and assurance level, or null; `share`: under FOR SHARE. */
export function sessionState(em: EntityManager, id: string, options: { share?: boolean } = {}): Promise<SessionState | null> {
  return em.findOne(SessionEntity, {
    where: { id },
    select: { id: true, userId: true, revokedAt: true, expiresAt: true, aal: true, lastAuthenticatedAt: true },
    ...(options.share ? { lock: { mode: 'pessimistic_read' as const } } : {}),
  });
}

/** The `sessions` section of exportAccountData (no token material). */
export async function exportSessions(em: EntityManager, userId: string): Promise<unknown[]> {
  return (await em.find(SessionEntity, { where: { userId }, order: { createdAt: 'DESC' } })).map((s) => ({
    id: s.id,
    createdAt: s.createdAt,
    lastUsedAt: s.lastUsedAt,
    lastAuthenticatedAt: s.lastAuthenticatedAt,
    expiresAt: s.expiresAt,
    revokedAt: s.revokedAt,
    authenticatorAssuranceLevel: s.aal,
    amr: s.amr,
    ip: s.ip,
    userAgent: s.userAgent,
  }));
}

/** The session's active organization id (null: none, or no such session). */
export async function activeOrganizationOf(em: EntityManager, sessionId: string): Promise<string | null> {
  const row = await em.findOne(SessionEntity, { where: { id: sessionId }, select: { id: true, activeOrganizationId: true } });
  return row?.activeOrganizationId ?? null;
}

/** Inside a membership change's transaction: these users' sessions no longer have `organizationId` active. */
export async function clearActiveOrganization(em: EntityManager, userIds: readonly string[], organizationId: string): Promise<void> {
  if (userIds.length === 0) return;
  await em
    .createQueryBuilder()
    .update(SessionEntity)
    .set({ activeOrganizationId: null })
    .where('active_organization_id = :organizationId', { organizationId })
    .andWhere('user_id IN (:...userIds)', { userIds: [...userIds] })
    .execute();
}

/** A live session row as the `Session` GraphQL type; `currentSessionId`: the asking session (null: none is current). */
export function toSessionType(s: SessionEntity, currentSessionId: string | null): SessionType {
  return {
    id: s.id,
    createdAt: s.createdAt,
    lastUsedAt: s.lastUsedAt,
    expiresAt: s.expiresAt,
    authenticatorAssuranceLevel: s.aal,
    lastAuthenticatedAt: s.lastAuthenticatedAt,
    userAgent: s.userAgent,
    ip: s.ip,
    current: s.id === currentSessionId,
    activeOrganizationId: s.activeOrganizationId,
    impersonated: s.impersonatorId !== null,
  };
}
