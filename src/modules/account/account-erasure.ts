import type { EntityManager } from 'typeorm';
import { anonymiseAuditRowsOf, recordAccountsErased } from '../audit/audit-rows';
import { deleteErasedAccounts } from '../users';
import { erasureEvents, membershipsOfUsers, organizationIdsOf, settleOrganizationsAfterErasure } from '../organizations';
import { EventOutbox, EventTypes } from '../events/outbox';

/**
 * Erases accounts already marked deleted (deleted_at set, rows locked by the caller), in the caller's transaction:
 * their audit rows are anonymised, the users rows deleted (and with them, ON DELETE CASCADE, everything tied to
 * them), then an organization left empty goes and one left without an owner gets its earliest-joined admin (else
 * member) as owner; `user.erased` and the memberships' events are emitted in the same transaction. THE erasure path:
 * the job after deleteAccount's grace period and adminDeleteUser both use it.
 */
export async function eraseAccounts(em: EntityManager, ids: readonly string[], now: Date): Promise<void> {
  if (ids.length === 0) return;
  const organizationIds = await organizationIdsOf(em, ids);
  const memberships = await membershipsOfUsers(em, ids);
  await anonymiseAuditRowsOf(em, ids);
  await deleteErasedAccounts(em, ids);
  const settled = await settleOrganizationsAfterErasure(em, organizationIds);
  await recordAccountsErased(em, ids.length, now);
  const outbox = new EventOutbox({ now: () => now, nowMs: () => now.getTime() });
  await outbox.emit(
    em,
    ...ids.map((userId) => ({ type: EventTypes.userErased, aggregateType: 'user' as const, aggregateId: userId, data: { userId } })),
    ...erasureEvents(memberships, settled),
  );
}
