import type { ModuleDeclarations } from '../declaration-types';

/** What the audit capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const auditDeclarations = {
  auditEvents: {
    /** A code, link or notice could not be handed to SMTP or Twilio; the request's writes were rolled back. */
    deliveryFailed: 'delivery.failed',
    /** An admin exported the audit trail (GET /admin/audit/export): the filter and the head it stopped at. */
    auditExported: 'audit.exported',
  },
  httpRoutes: [
    {
      method: 'GET',
      path: '/admin/audit/export',
      doc: 'admin bearer on an aal2 session: the sealed audit rows in chain order as NDJSON, streamed (`since`, `until`, `type`, `organizationId`, `userId`; docs/audit.md)',
    },
  ],
} as const satisfies ModuleDeclarations;
