import type { ModuleDeclarations } from '../declaration-types';

/** What the audit capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const auditDeclarations = {
  auditEvents: {
    /** A code, link or notice could not be handed to SMTP or Twilio; the request's writes were rolled back. */
    deliveryFailed: 'delivery.failed',
  },
} as const satisfies ModuleDeclarations;
