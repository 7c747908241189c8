import { createHash } from 'node:crypto';
import { createChallenge, verifySolution } from 'altcha-lib/v1';
import type { CaptchaConfig } from '../../config/config';
import type { Limits } from '../../config/limits';
import { keyedHash } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { RequestMeta } from '../request-meta';
import type { FieldGuard, FieldGuardPlan, GuardedField } from '../rate-limits/field-guard';
import { ipBucket } from '../rate-limits/rate-limiter';
import { normalizeEmail, normalizePhone } from '../users/identifiers';
import type { KvStore } from '../../store/kv-store';
import type { CaptchaChallengeType } from './captcha.type';

/** The six fields the CAPTCHA guards (Mutation.<field>), CONTRACT "### CAPTCHA". */
export const captchaFields: ReadonlySet<string> = new Set([
  'signup',
  'login',
  'requestOtp',
  'requestMagicLink',
  'requestPasswordReset',
  'requestAccountRecovery',
]);

/** The token is spent for at least this long: a Turnstile or hCaptcha token lives 300 s. */
const THIRD_PARTY_TOKEN_SECONDS = 300;

export interface CaptchaDeps {
  config: Readonly<CaptchaConfig>;
  limits: Readonly<Limits>;
  kv: KvStore;
  hmacKey: Buffer;
  audit: AuditService;
  /** Hosts a Turnstile/hCaptcha answer may name: APP_URL's and each CORS_ORIGINS origin's. */
  allowedHostnames: readonly string[];
  nowMs: () => number;
  fetch?: typeof fetch;
}

type Verdict = 'passed' | 'invalid';

/**
 * The adaptive CAPTCHA (docs/bot-defences.md). A FieldGuard: for the six guarded fields it adds two counters
 * (per field and IP bucket, per field and normalised identifier) to the @RateLimit round trip; past a threshold
 * the field needs a captchaToken, spent once (its SHA-256 in the store) and then verified: ALTCHA offline with
 * altcha-lib (HMAC-signed, expiring challenges), Turnstile and hCaptcha by siteverify, before any transaction.
 */
export class CaptchaService implements FieldGuard {
  private readonly altchaKey: string;

  constructor(private readonly deps: CaptchaDeps) {
    // A key of its own, derived from WARDEN_SECRET (through the HMAC key): a challenge signature opens nothing else.
    this.altchaKey = keyedHash(deps.hmacKey, 'captcha-altcha', 'hmac-key');
  }

  get provider(): CaptchaConfig['provider'] {
    return this.deps.config.provider;
  }

  /** Query.captchaChallenge: a fresh challenge (altcha), the site key (turnstile, hcaptcha), or nothing (none). */
  async challenge(): Promise<CaptchaChallengeType> {
    const { provider, siteKey } = this.deps.config;
    if (provider === 'altcha') {
      const { challenge, expiresAt } = await this.altchaChallenge();
      return { provider, siteKey: null, challenge, expiresAt };
    }
    if (provider === 'none') return { provider, siteKey: null, challenge: null, expiresAt: null };
    return { provider, siteKey, challenge: null, expiresAt: null };
  }

  plan(field: GuardedField): FieldGuardPlan | null {
    if (this.provider === 'none' || field.parentType !== 'Mutation' || !captchaFields.has(field.fieldName)) return null;
    const { limits } = this.deps;
    const ttlSeconds = limits.captchaWindowSeconds;
    const entries = [{ key: this.counterKey(`ip:${field.fieldName}`, ipBucket(field.meta.ip)), ttlSeconds }];
    const identifier = identifierOf(field.args);
    if (identifier) entries.push({ key: this.counterKey(`id:${field.fieldName}`, identifier), ttlSeconds });
    return {
      entries,
      decide: async ([ip, id]) => {
        const needed = ip!.value > limits.captchaIpThreshold || (id !== undefined && id.value > limits.captchaIdentifierThreshold);
        if (!needed) return;
        await this.require(field.fieldName, field.args.captchaToken, field.meta);
      },
    };
  }

  private counterKey(name: string, subject: string): string {
    return `captcha:{${name}:${keyedHash(this.deps.hmacKey, 'captcha-counter', subject).slice(0, 22)}}`;
  }

  /** Past a threshold: passes with a valid, unspent token; else CAPTCHA_REQUIRED (THRESHOLD without one, INVALID otherwise). */
  private async require(fieldName: string, token: unknown, meta: RequestMeta): Promise<void> {
    if (typeof token !== 'string' || token.length === 0) {
      await this.audit('captchaRequired', meta, fieldName);
      throw await this.required('THRESHOLD');
    }
    const verdict = await this.verify(token, meta);
    if (verdict === 'invalid') {
      await this.audit('captchaFailed', meta, fieldName);
      throw await this.required('INVALID');
    }
    await this.audit('captchaPassed', meta, fieldName);
  }

  private async verify(token: string, meta: RequestMeta): Promise<Verdict> {
    // Spent first, atomically: of two aliases, batched operations or racing requests with one token, one gets 1.
    const spentFor = Math.max(this.deps.limits.captchaTokenTtlSeconds, THIRD_PARTY_TOKEN_SECONDS);
    const spent = await this.deps.kv.increment(`captcha:spent:{${createHash('sha256').update(token).digest('base64url')}}`, spentFor);
    if (spent.value > 1) return 'invalid';
    if (this.provider === 'altcha') return (await this.verifyAltcha(token)) ? 'passed' : 'invalid';
    return this.siteverify(token, meta);
  }

  private async verifyAltcha(token: string): Promise<boolean> {
    try {
      return await verifySolution(token, this.altchaKey, true);
    } catch {
      return false;
    }
  }

  /** Turnstile or hCaptcha: one POST, bounded by CAPTCHA_VERIFY_TIMEOUT_MS; a timeout, network error or 5xx is SERVICE_UNAVAILABLE. */
  private async siteverify(token: string, meta: RequestMeta): Promise<Verdict> {
    const { config, limits } = this.deps;
    const form = new URLSearchParams({ secret: config.secretKey ?? '', response: token });
    if (meta.ip) form.set('remoteip', meta.ip);
    if (this.provider === 'hcaptcha' && config.siteKey) form.set('sitekey', config.siteKey);
    let response: Response;
    let body: unknown;
    try {
      response = await (this.deps.fetch ?? fetch)(config.verifyUrl!, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        signal: AbortSignal.timeout(limits.captchaVerifyTimeoutMs),
      });
      if (response.status >= 500) throw new Error(`siteverify answered ${response.status}`);
      if (!response.ok) return 'invalid';
      body = await response.json();
    } catch (error) {
      throw WardenError.unavailable('captcha', error);
    }
    const answer = body as { success?: unknown; hostname?: unknown } | null;
    if (answer?.success !== true) return 'invalid';
    if (typeof answer.hostname !== 'string' || !this.deps.allowedHostnames.includes(answer.hostname.toLowerCase())) return 'invalid';
    return 'passed';
  }

  private async altchaChallenge(): Promise<{ challenge: Record<string, unknown>; expiresAt: Date }> {
    const { limits, nowMs } = this.deps;
    const expiresAt = new Date(Math.floor(nowMs() / 1000) * 1000 + limits.captchaTokenTtlSeconds * 1000);
    const challenge = await createChallenge({
      algorithm: 'SHA-256',
      hmacKey: this.altchaKey,
      maxnumber: limits.captchaAltchaMaxNumber,
      expires: expiresAt,
    });
    return { challenge: { ...challenge }, expiresAt };
  }

  private async required(reason: 'THRESHOLD' | 'INVALID'): Promise<WardenError> {
    const { provider, siteKey } = this.deps.config;
    const extensions: Record<string, unknown> = { provider, reason };
    if (provider === 'altcha') extensions.challenge = (await this.altchaChallenge()).challenge;
    else extensions.siteKey = siteKey;
    return new WardenError('CAPTCHA_REQUIRED', { extensions });
  }

  private audit(event: 'captchaRequired' | 'captchaFailed' | 'captchaPassed', meta: RequestMeta, field: string): Promise<void> {
    return this.deps.audit.recordAlone({
      event: AuditEvents[event],
      outcome: event === 'captchaPassed' ? 'success' : 'failure',
      meta,
      data: { field, provider: this.provider },
    });
  }
}

/** The normalised email or phone of a guarded field's input; null when it has none or it is not valid (the resolver refuses it). */
function identifierOf(args: Readonly<Record<string, unknown>>): string | null {
  const input = args.input as { email?: unknown; phone?: unknown } | undefined;
  if (!input) return null;
  try {
    if (typeof input.email === 'string') return `email:${normalizeEmail(input.email)}`;
    if (typeof input.phone === 'string') return `phone:${normalizePhone(input.phone)}`;
  } catch {
    return null;
  }
  return null;
}
