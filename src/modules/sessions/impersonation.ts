import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { SessionEntity } from './session.entity';
import type { TokenPairs } from './token-pairs';
import type { SessionsServiceDeps } from './session-types';
import { membershipStatements } from '../organizations/membership-statements';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';

export interface ImpersonationRequest {
  /** The target. */
  userId: string;
  /** The admin, and the session they started it from (ending it ends this one). */
  adminUserId: string;
  adminSessionId: string;
  expiresAt: Date;
  /** The active organization: one the target belongs to; absent: as for a sign-in (last made active, else earliest joined). */
  organizationId?: string | null;
  meta: RequestMeta;
}

export interface ImpersonationTokens {
  sessionId: string;
  accessToken: string;
  accessTokenExpiresAt: Date;
}

/**
 * An impersonation session (contract, "Administration"): a separate session of the target, amr ["imp"], aal1, its
 * end at `expiresAt`, no refresh token (it cannot be renewed), and one access token with act.sub = the admin that
 * lasts until the session's end. Written in the caller's transaction.
 */
export async function openImpersonationSession(
  deps: SessionsServiceDeps,
  pairs: TokenPairs,
  em: EntityManager,
  request: ImpersonationRequest,
): Promise<ImpersonationTokens> {
  const now = deps.now();
  let organizationId: string | null;
  let role: string | null;
  if (request.organizationId) {
    role = await membershipStatements.roleIn(em, request.userId, request.organizationId);
    if (role === null) throw WardenError.badInput('The user is not a member of that organization.', 'organizationId');
    organizationId = request.organizationId;
  } else {
    const rows: { id: string | null }[] = await em.query(`SELECT ${membershipStatements.initialActiveOrganization(pairs.raw, '$1::uuid')} AS id`, [
      request.userId,
    ]);
    organizationId = rows[0]?.id ?? null;
    role = organizationId ? await membershipStatements.roleIn(em, request.userId, organizationId) : null;
  }
  const session = em.create(SessionEntity, {
    id: randomUUID(),
    userId: request.userId,
    aal: 'aal1',
    amr: ['imp'],
    lastAuthenticatedAt: now,
    lastUsedAt: now,
    expiresAt: request.expiresAt,
    revokedAt: null,
    revokedReason: null,
    userAgent: request.meta.userAgent,
    ip: request.meta.ip,
    activeOrganizationId: organizationId,
    impersonatorId: request.adminUserId,
    impersonatorSessionId: request.adminSessionId,
  });
  await em.insert(SessionEntity, session);
  const organization = await pairs.organizationClaims(organizationId, role, em);
  const access = await deps.accessTokens.issue(request.userId, session.id, { amr: ['imp'], aal: 'aal1', authTime: now }, organization, [], {
    expiresAt: request.expiresAt,
    actorId: request.adminUserId,
  });
  return { sessionId: session.id, accessToken: access.token, accessTokenExpiresAt: access.expiresAt };
}

/** The impersonation session's admin and its state, or null when it is not one. */
export async function impersonationOf(em: EntityManager, sessionId: string): Promise<{ impersonatorId: string; revoked: boolean; userId: string } | null> {
  const row = await em.findOne(SessionEntity, {
    where: { id: sessionId },
    select: { id: true, userId: true, impersonatorId: true, revokedAt: true },
    lock: { mode: 'pessimistic_write' },
  });
  return row?.impersonatorId ? { impersonatorId: row.impersonatorId, revoked: row.revokedAt !== null, userId: row.userId } : null;
}
