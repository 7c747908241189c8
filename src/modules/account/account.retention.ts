import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { OrganizationEntity } from '../users/organization.entity';
import { UserEntity } from '../users/user.entity';
import { ContactChangeEntity } from './contact-change.entity';
import { KnownDeviceEntity } from './known-device.entity';

const DAY_MS = 86_400_000;
/** A device not used for this long is forgotten (its next sign-in mails a notice again). */
const KNOWN_DEVICE_RETENTION_DAYS = 365;

/**
 * Erasure after the grace period (ACCOUNT_DELETION_GRACE_DAYS): accounts whose erase_at has passed are
 * deleted, and with them everything tied to them by ON DELETE CASCADE foreign keys onto users (password,
 * sessions and refresh tokens, codes, links, contact changes, known devices, and the identities, factors
 * and passkeys tables of later modules, which follow the same rule); their organization goes once it has no
 * member left. Their audit rows stay for the audit trail but are anonymised (no user id, IP, user agent or
 * data). One transaction per batch, rows re-checked under lock (a recovery meanwhile wins); idempotent, and
 * the runner's advisory lock makes it run on one instance at a time.
 */
const eraseDeletedAccounts: MaintenanceJob = {
  name: 'users.deleted',
  async run(ctx) {
    const users = tableOf(ctx.em, UserEntity);
    const organizations = tableOf(ctx.em, OrganizationEntity);
    const auditEvents = tableOf(ctx.em, AuditEventEntity);
    let total = 0;
    while (total < ctx.maxRows && !ctx.stopping()) {
      const limit = Math.min(ctx.batchSize, ctx.maxRows - total);
      const erased = await ctx.em.transaction(async (em) => {
        const rows: { id: string; organization_id: string | null }[] = await em.query(
          `SELECT id, organization_id FROM ${users} WHERE deleted_at IS NOT NULL AND erase_at <= $1 ORDER BY erase_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [ctx.now, limit],
        );
        if (rows.length === 0) return 0;
        const ids = rows.map((r) => r.id);
        await em.query(`UPDATE ${auditEvents} SET user_id = NULL, ip = NULL, user_agent = NULL, data = '{}'::jsonb WHERE user_id = ANY($1::uuid[])`, [ids]);
        await em.query(`DELETE FROM ${users} WHERE id = ANY($1::uuid[]) AND deleted_at IS NOT NULL`, [ids]);
        const orgIds = [...new Set(rows.map((r) => r.organization_id).filter((id): id is string => !!id))];
        if (orgIds.length > 0) {
          await em.query(
            `DELETE FROM ${organizations} o WHERE o.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM ${users} u WHERE u.organization_id = o.id)`,
            [orgIds],
          );
        }
        await em.query(
          `INSERT INTO ${auditEvents} (id, event, outcome, user_id, data, created_at) VALUES (gen_random_uuid(), 'account.erased', 'success', NULL, $1::jsonb, $2)`,
          [JSON.stringify({ accounts: rows.length }), ctx.now],
        );
        return rows.length;
      });
      total += erased;
      if (erased < limit) break;
    }
    return total;
  },
};

export const accountRetentionJobs: MaintenanceJob[] = [
  eraseDeletedAccounts,
  {
    // Undo links and pending changes are of no use once the undo period (and any code) is over.
    name: 'contact_changes.expired',
    run: (ctx) =>
      deleteInBatches(ctx, tableOf(ctx.em, ContactChangeEntity), 'created_at < $1', [
        new Date(ctx.now.getTime() - ctx.config.limits.emailChangeUndoTtlSeconds * 1000 - DAY_MS),
      ]),
  },
  {
    name: 'known_devices.stale',
    run: (ctx) =>
      deleteInBatches(ctx, tableOf(ctx.em, KnownDeviceEntity), 'last_seen_at < $1', [new Date(ctx.now.getTime() - KNOWN_DEVICE_RETENTION_DAYS * DAY_MS)]),
  },
];
