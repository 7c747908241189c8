import type { ModuleDeclarations } from '../declaration-types';

/** What the captcha capability adds to the shared tables (see src/modules/declaration-types.ts; docs/bot-defences.md). */
export const captchaDeclarations = {
  auditEvents: {
    captchaRequired: 'captcha.required',
    captchaFailed: 'captcha.failed',
    captchaPassed: 'captcha.passed',
  },
  limits: {
    captchaIpThreshold: {
      env: 'CAPTCHA_IP_THRESHOLD',
      default: 10,
      min: 0,
      max: 100_000,
      doc: 'calls of one CAPTCHA field per client IP (IPv6 per /64) and window before a captchaToken is needed; 0: always.',
    },
    captchaIdentifierThreshold: {
      env: 'CAPTCHA_IDENTIFIER_THRESHOLD',
      default: 5,
      min: 0,
      max: 100_000,
      doc: 'calls of one CAPTCHA field per email or phone and window before a captchaToken is needed; 0: always.',
    },
    captchaWindowSeconds: { env: 'CAPTCHA_WINDOW_SECONDS', default: 3600, min: 60, max: 86_400, doc: 'the window of the CAPTCHA counters.' },
    captchaVerifyTimeoutMs: {
      env: 'CAPTCHA_VERIFY_TIMEOUT_MS',
      default: 5000,
      min: 500,
      max: 30_000,
      doc: 'longest wait on the turnstile or hcaptcha siteverify call (then SERVICE_UNAVAILABLE dependency captcha).',
    },
    captchaAltchaMaxNumber: { env: 'CAPTCHA_ALTCHA_MAX_NUMBER', default: 100_000, min: 1000, max: 10_000_000, doc: 'ALTCHA difficulty (maxnumber).' },
    captchaTokenTtlSeconds: {
      env: 'CAPTCHA_TOKEN_TTL_SECONDS',
      default: 300,
      min: 30,
      max: 3600,
      doc: 'lifetime of an ALTCHA challenge; spent tokens are remembered this long.',
    },
  },
  errorCodes: {
    CAPTCHA_REQUIRED: { message: 'Solve the CAPTCHA and send its captchaToken.', logLevel: 'info' },
  },
  inputBounds: { captchaToken: 8192 },
} as const satisfies ModuleDeclarations;
