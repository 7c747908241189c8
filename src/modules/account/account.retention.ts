import type { MaintenanceJob } from '../../maintenance/maintenance-job';
import { deleteInBatches } from '../../maintenance/batch-delete';
import { tableOf } from '../../db/table-of';
import { lockAccountsDueForErasure } from '../users';
import { eraseAccounts } from './account-erasure';
import { ContactChangeEntity } from './contact-change.entity';
import { KnownDeviceEntity } from './known-device.entity';

const DAY_MS = 86_400_000;
/** A device not used for this long is forgotten (its next sign-in mails a notice again). */
const KNOWN_DEVICE_RETENTION_DAYS = 365;

/**
 * Erasure after the grace period (ACCOUNT_DELETION_GRACE_DAYS): accounts whose erase_at has passed are
 * deleted, and with them everything tied to them by ON DELETE CASCADE foreign keys onto users (password,
 * sessions and refresh tokens, codes, links, contact changes, known devices, and the identities, factors
 * and passkeys tables of later modules, which follow the same rule) and their memberships; an organization goes
 * once it has no member left, and one left without an owner makes its earliest-joined admin (else member) owner. Their audit rows stay for the audit trail but are anonymised (no user id, IP, user agent or
 * data). One transaction per batch, rows re-checked under lock (a recovery meanwhile wins); idempotent, and
 * the runner's advisory lock makes it run on one instance at a time.
 */
const eraseDeletedAccounts: MaintenanceJob = {
  name: 'users.deleted',
  async run(ctx) {
    let total = 0;
    while (total < ctx.maxRows && !ctx.stopping()) {
      const limit = Math.min(ctx.batchSize, ctx.maxRows - total);
      const erased = await ctx.em.transaction(async (em) => {
        const rows = await lockAccountsDueForErasure(em, ctx.now, limit);
        if (rows.length === 0) return 0;
        // Their memberships go with them (ON DELETE CASCADE): an organization left empty goes, one left without an owner gets one.
        await eraseAccounts(
          em,
          rows.map((r) => r.id),
          ctx.now,
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
