import type { ModuleDeclarations } from '../declaration-types';

/** What the magic-link capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const magicLinkDeclarations = {
  auditEvents: {
    magicLinkSent: 'magic_link.sent',
    magicLinkRequested: 'magic_link.requested',
    magicLinkUsed: 'magic_link.used',
    magicLinkFailed: 'magic_link.failed',
  },
  rateLimits: { 'magic-link.request': 'default', 'magic-link.verify': 'default' },
  limits: {
    magicLinkTtlSeconds: {
      env: 'MAGIC_LINK_TTL_SECONDS',
      default: 10 * 60,
      min: 60,
      max: 600,
      doc: 'at most 600 (ASVS 6.5.5: sign-in links live 10 minutes at most).',
    }, // ASVS 6.5.5: out-of-band sign-in secrets live at most 10 minutes
  },
} as const satisfies ModuleDeclarations;
