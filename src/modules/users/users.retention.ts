import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { tableOf } from '../../db/table-of';
import { liveSessionExistsSql } from '../sessions/session-statements';
import { identityExistsSql } from '../oauth/identity-statements';
import { auditStatements } from '../audit/audit-statements';
import { AuditEvents } from '../audit/audit-events';
import { membershipsOfUsers, organizationIdsOf, settleOrganizationsAfterErasure } from '../organizations/organization-rows';
import { erasureEvents } from '../organizations/organization-events';
import { EventOutbox, EventTypes } from '../events/outbox';
import { UserEntity } from './user.entity';

const DAY_MS = 86_400_000;

/**
 * Accounts that never proved any way in (no verified email, no verified phone, no linked provider account: an
 * untrusted provider's sign-up has no email, docs/oauth.md) UNVERIFIED_ACCOUNT_TTL_DAYS after signup, and that
 * hold no live session. Their credentials, sessions, refresh tokens, codes and links
 * go with them (ON DELETE CASCADE); so does their organization once it has no member left.
 * One transaction per batch, with a `user.expired` audit event and a `user.erased` event per account (and the
 * memberships' events, as the erasure path emits them); rows are re-checked under lock, so an account verified
 * meanwhile stays.
 */
export const usersRetentionJobs: MaintenanceJob[] = [
  {
    name: 'users.unverified',
    async run(ctx) {
      const users = tableOf(ctx.em, UserEntity);
      const names = { table: (entity: Parameters<typeof tableOf>[1]) => tableOf(ctx.em, entity) };
      const cutoff = new Date(ctx.now.getTime() - ctx.config.maintenance.unverifiedAccountTtlDays * DAY_MS);
      const idleCutoff = new Date(ctx.now.getTime() - ctx.config.limits.refreshIdleTtlSeconds * 1000);
      let total = 0;
      while (total < ctx.maxRows && !ctx.stopping()) {
        const limit = Math.min(ctx.batchSize, ctx.maxRows - total);
        const deleted = await ctx.em.transaction(async (em) => {
          const picked: { id: string }[] = await em.query(
            `SELECT c.id FROM ${users} c
             WHERE c.email_verified = false AND c.phone_verified = false AND c.created_at < $1
               AND NOT ${liveSessionExistsSql(ctx.em, 'c.id', '$2', '$3')}
               AND NOT ${identityExistsSql(ctx.em, 'c.id')}
             ORDER BY c.created_at LIMIT $4 FOR UPDATE SKIP LOCKED`,
            [cutoff, ctx.now, idleCutoff, limit],
          );
          if (picked.length === 0) return 0;
          const ids = picked.map((r) => r.id);
          // Read before the delete takes them (ON DELETE CASCADE): the consumers of the feed learn of each.
          const memberships = await membershipsOfUsers(em, ids);
          const orgIds = await organizationIdsOf(em, ids);
          const rows: { id: string }[] = await em
            .query(`DELETE FROM ${users} u WHERE u.id = ANY($1::uuid[]) AND u.email_verified = false AND u.phone_verified = false RETURNING u.id`, [ids])
            .then((result: unknown) => (Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as { id: string }[]) : []));
          // Their memberships went with them: an organization left empty goes, one left without an owner gets one.
          const settled = await settleOrganizationsAfterErasure(em, orgIds);
          if (rows.length > 0) {
            await em.query(
              auditStatements.insert(
                names,
                `SELECT gen_random_uuid(), $1, 'success', id, NULL, NULL, '{"reason":"unverified"}'::jsonb, $3 FROM unnest($2::uuid[]) AS id`,
                { createdAt: true },
              ),
              [AuditEvents.userExpired, rows.map((r) => r.id), ctx.now],
            );
            const gone = new Set(rows.map((r) => r.id));
            const outbox = new EventOutbox({ now: () => ctx.now, nowMs: () => ctx.now.getTime() });
            await outbox.emit(
              em,
              ...rows.map((r) => ({ type: EventTypes.userErased, aggregateType: 'user' as const, aggregateId: r.id, data: { userId: r.id } })),
              ...erasureEvents(
                memberships.filter((m) => gone.has(m.userId)),
                settled,
              ),
            );
          }
          return rows.length;
        });
        total += deleted;
        if (deleted < limit) break;
      }
      return total;
    },
  },
];
