import type { ModuleDeclarations } from '../declaration-types';

/** What the audit capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const auditDeclarations = {
  auditEvents: {
    /** A code, link or notice could not be handed to SMTP or Twilio; the request's writes were rolled back. */
    deliveryFailed: 'delivery.failed',
    /** An admin exported the audit trail (GET /admin/audit/export): the filter and the head it stopped at. */
    auditExported: 'audit.exported',
  },
  limits: {
    // Declared here until the events module (issue #27) declares it; one declaration is kept at merge.
    outboxPollIntervalMs: {
      env: 'OUTBOX_POLL_INTERVAL_MS',
      default: 500,
      min: 50,
      max: 10000,
      doc: 'How often events are stamped, audit rows sealed, due deliveries taken (milliseconds).',
    },
  },
  httpRoutes: [
    {
      method: 'GET',
      path: '/admin/audit/export',
      doc: 'admin bearer on an aal2 session: the sealed audit rows in chain order as NDJSON, streamed (`since`, `until`, `type`, `organizationId`, `userId`; docs/audit.md)',
    },
  ],
} as const satisfies ModuleDeclarations;
