import type { ModuleDeclarations, SettingContext } from '../declaration-types';
import { parseHibpApiUrl, parseHibpEnabled, parseHibpFailureMode } from './hibp-settings';

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
  settings: {
    hibpEnabled: {
      env: 'HIBP_ENABLED',
      default: null,
      doc: 'true: new passwords are checked against Pwned Passwords (k-anonymity range API) (default true in production, false otherwise).',
      parse: (raw: string | undefined, ctx: SettingContext) => parseHibpEnabled(raw, ctx.isProduction),
    },
    hibpApiUrl: {
      env: 'HIBP_API_URL',
      default: 'https://api.pwnedpasswords.com',
      doc: 'origin of the Pwned Passwords range API (tests, proxies); GET <HIBP_API_URL>/range/<5 hex>.',
      parse: (raw: string | undefined) => parseHibpApiUrl(raw),
    },
    hibpFailureMode: {
      env: 'HIBP_FAILURE_MODE',
      default: 'open',
      doc: 'open: a timeout or failure of the range API accepts the password (a warning is logged); closed: SERVICE_UNAVAILABLE with dependency hibp.',
      parse: (raw: string | undefined) => parseHibpFailureMode(raw),
    },
  },
} as const satisfies ModuleDeclarations;
