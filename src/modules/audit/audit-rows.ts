import type { EntityManager } from 'typeorm';
import { tableOf } from '../../db/table-of';
import { AuditEventEntity } from './audit-event.entity';

/** What other modules read of the audit trail (they never import audit-event.entity.ts). */
export interface AuditRow {
  id: string;
  event: string;
  outcome: string;
  createdAt: Date;
  ip: string | null;
  userAgent: string | null;
  data: Record<string, unknown> | null;
}

/**
 * A page of the user's audit rows, newest first (created_at, id), leaving out the `hidden` events; `afterId`: the
 * last row of the page before. Answers up to `take` rows.
 */
export async function auditRowsOf(
  em: EntityManager,
  userId: string,
  options: { take: number; afterId: string | null; hidden: readonly string[] },
): Promise<AuditRow[]> {
  const qb = em
    .createQueryBuilder(AuditEventEntity, 'e')
    .where('e.user_id = :userId', { userId })
    .andWhere('e.event NOT IN (:...hidden)', { hidden: options.hidden })
    .orderBy('e.created_at', 'DESC')
    .addOrderBy('e.id', 'DESC')
    .take(options.take);
  if (options.afterId) {
    qb.andWhere(`(e.created_at, e.id) < (SELECT c.created_at, c.id FROM ${tableOf(em, AuditEventEntity)} c WHERE c.id = :afterId AND c.user_id = :userId)`, {
      afterId: options.afterId,
    });
  }
  return qb.getMany();
}

/** The `securityEvents` section of exportAccountData. */
export async function exportSecurityEvents(em: EntityManager, userId: string): Promise<unknown[]> {
  return (await em.find(AuditEventEntity, { where: { userId }, order: { createdAt: 'DESC' } })).map((e) => ({
    id: e.id,
    type: e.event,
    outcome: e.outcome,
    createdAt: e.createdAt,
    ip: e.ip,
    userAgent: e.userAgent,
  }));
}

/**
 * Erasure: the accounts' audit rows stay for the trail, without user id, actor, IP, user agent or data. Their
 * personal_digest stays: a sealed row keeps verifying (audit-chain.ts isAnonymised). Rows where an erased account
 * was only the actor (about another user) keep the actor's id: the id of an account that no longer exists.
 */
export async function anonymiseAuditRowsOf(em: EntityManager, userIds: readonly string[]): Promise<void> {
  await em.query(
    `UPDATE ${tableOf(em, AuditEventEntity)} SET user_id = NULL, actor_id = NULL, ip = NULL, user_agent = NULL, data = '{}'::jsonb WHERE user_id = ANY($1::uuid[])`,
    [[...userIds]],
  );
}

/** One anonymous row for a batch of erased accounts (`account.erased`, with their number). */
export async function recordAccountsErased(em: EntityManager, accounts: number, at: Date): Promise<void> {
  await em.query(
    `INSERT INTO ${tableOf(em, AuditEventEntity)} (id, event, outcome, user_id, data, created_at) VALUES (gen_random_uuid(), 'account.erased', 'success', NULL, $1::jsonb, $2)`,
    [JSON.stringify({ accounts }), at],
  );
}
