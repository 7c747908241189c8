import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { tableOf } from '../../db/table-of';
import { liveSessionExistsSql } from '../sessions/session-statements';
import { identityExistsSql } from '../oauth/identity-statements';
import { auditStatements } from '../audit/audit-statements';
import { AuditEvents } from '../audit/audit-events';
import { settleOrganizationsAfterErasure } from '../organizations/organization-rows';
import { UserEntity } from './user.entity';

const DAY_MS = 86_400_000;

/**
 * Accounts that never proved any way in (no verified email, no verified phone, no linked provider account: an
 * untrusted provider's sign-up has no email, docs/oauth.md) UNVERIFIED_ACCOUNT_TTL_DAYS after signup, and that
 * hold no live session. Their credentials, sessions, refresh tokens, codes and links
 * go with them (ON DELETE CASCADE); so does their organization once it has no member left.
 * One transaction per batch, with a `user.expired` audit event per account; rows are re-checked under lock,
 * so an account verified meanwhile stays.
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
          const rows: { id: string; organization_id: string | null }[] = await em
            .query(
              `DELETE FROM ${users} u WHERE u.id IN (
               SELECT c.id FROM ${users} c
               WHERE c.email_verified = false AND c.phone_verified = false AND c.created_at < $1
                 AND NOT ${liveSessionExistsSql(ctx.em, 'c.id', '$2', '$3')}
                 AND NOT ${identityExistsSql(ctx.em, 'c.id')}
               ORDER BY c.created_at LIMIT $4 FOR UPDATE SKIP LOCKED)
             AND u.email_verified = false AND u.phone_verified = false
             RETURNING u.id, u.organization_id`,
              [cutoff, ctx.now, idleCutoff, limit],
            )
            .then((result: unknown) =>
              Array.isArray(result) && Array.isArray(result[0]) ? (result[0] as { id: string; organization_id: string | null }[]) : [],
            );
          const orgIds = [...new Set(rows.map((r) => r.organization_id).filter((id): id is string => !!id))];
          // Their memberships went with them (ON DELETE CASCADE): an organization left empty goes.
          await settleOrganizationsAfterErasure(em, orgIds);
          if (rows.length > 0) {
            await em.query(
              auditStatements.insert(
                names,
                `SELECT gen_random_uuid(), $1, 'success', id, NULL, NULL, '{"reason":"unverified"}'::jsonb, $3 FROM unnest($2::uuid[]) AS id`,
                { createdAt: true },
              ),
              [AuditEvents.userExpired, rows.map((r) => r.id), ctx.now],
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
