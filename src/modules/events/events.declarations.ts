import type { ModuleDeclarations } from '../declaration-types';

/** What the events capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const eventsDeclarations = {
  limits: {
    outboxPollIntervalMs: {
      env: 'OUTBOX_POLL_INTERVAL_MS',
      default: 500,
      min: 50,
      max: 10000,
      doc: 'how often events are stamped, audit rows sealed, due deliveries taken.',
    },
    eventRetentionDays: {
      env: 'EVENT_RETENTION_DAYS',
      default: 30,
      min: 1,
      max: 3650,
      doc: 'events, deliveries and ended invitations are deleted after.',
    },
  },
} as const satisfies ModuleDeclarations;
