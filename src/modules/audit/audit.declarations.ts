import type { ModuleDeclarations } from '../declaration-types';

/** What the audit capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const auditDeclarations = {
  auditEvents: {
    /** A code, link or notice could not be handed to SMTP or Twilio; the request's writes were rolled back. */
    deliveryFailed: 'delivery.failed',
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
} as const satisfies ModuleDeclarations;
