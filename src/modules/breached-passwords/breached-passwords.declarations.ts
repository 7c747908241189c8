import type { ModuleDeclarations } from '../declaration-types';

/** What the breached-passwords capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const breachedPasswordsDeclarations = {
  limits: {
    hibpTimeoutMs: {
      env: 'HIBP_TIMEOUT_MS',
      default: 1500,
      min: 100,
      max: 10_000,
      doc: 'how long one Pwned Passwords range request may take before HIBP_FAILURE_MODE decides.',
    },
  },
} as const satisfies ModuleDeclarations;
