import type { DataSource, EntityManager } from 'typeorm';
import type { KvStore } from '../../store/kv-store';
import type { Limits } from '../../config/limits';
import { keyedHash } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { SessionsService } from '../sessions/sessions.service';
import { sessionState } from '../sessions';
import type { UsersService } from '../users/users.service';
import { normalizeEmail, optionalText } from '../users/identifiers';
import type { Notices } from '../../kernel/notices';
import { securityNoticeMail } from '../../mail/templates/templates';
import type { SignInMethods } from '../users/sign-in-methods';
import type { FieldLimiter } from '../rate-limits/field-limits';
import type { FlowSecrets, ProviderClients, ProviderProfile } from './provider-clients';

export type OAuthFailureReason = 'ACCESS_DENIED' | 'PROVIDER_ERROR' | 'INVALID_STATE' | 'EMAIL_NOT_VERIFIED';

export interface OAuthServiceDeps {
  dataSource: DataSource;
  kv: KvStore;
  clients: ProviderClients;
  users: UsersService;
  sessions: SessionsService;
  audit: AuditService;
  /** Notices of linked and unlinked identities (after commit; a failed delivery is audited, never thrown). */
  notices: Notices;
  productName: string;
  signInMethods: SignInMethods;
  fieldLimiter: FieldLimiter;
  hmacKey: Buffer;
  limits: Readonly<Limits>;
  publicUrl: string;
  redirectAllowlist: readonly string[];
  /** The binding cookie is Secure outside development (as warden_refresh). */
  secureCookies: boolean;
  trustProxy: number;
  now: () => Date;
}

/** A flow between startOAuth and the callback, in the key-value store under a keyed hash of its state. */
export interface StoredFlow {
  provider: string;
  redirectTo: string;
  secrets: FlowSecrets;
  providerUrl: string;
  /** The client's (native app's) S256 challenge for completeOAuth. */
  codeChallenge: string | null;
  /** linkOAuth: the user the identity is linked to. */
  linkUserId: string | null;
  /** linkOAuth: the session that called it; the link completes only on its bearer, while it is live. */
  sessionId: string | null;
  /** Keyed hash of the browser-binding cookie, set when the browser passes through /oauth/start. */
  browser: string | null;
  expiresAtMs: number;
}

/** A Warden code between the callback and completeOAuth (single use, 60 s). */
export interface StoredCode {
  userId: string;
  provider: string;
  /** Sign-in: the identity signed in with. Link: null (nothing is linked before completeOAuth). */
  identityId: string | null;
  codeChallenge: string | null;
  link: boolean;
  /** Link only: the session that called linkOAuth, and the provider account to link at completeOAuth. */
  sessionId?: string | null;
  profile?: { subject: string; email: string | null; emailVerified: boolean } | null;
  expiresAtMs: number;
}

/** What an HTTP route answers: a redirect, or a small error page for a request that names no known flow. */
export type RouteAnswer = { redirect: string; setBrowser?: string } | { status: number; reason: OAuthFailureReason | 'RATE_LIMITED'; retryAfter?: number };

export const BROWSER_COOKIE = 'warden_oauth_browser';
export const CALLBACK_PATH = '/oauth/callback';
export const START_PATH = '/oauth/start';
export const CODE_TTL_SECONDS = 60;
export const BROWSER_ID = /^[A-Za-z0-9_-]{43}$/;
export const WARDEN_CODE = /^[A-Za-z0-9_-]{32}$/;
export const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
export const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
// What the schema's input guard (src/graphql/input-guard.ts) refuses in a typed string: C0 (NUL included), DEL,
// C1 and lone surrogates (in a /u pattern a well-formed pair is no match).
// eslint-disable-next-line no-control-regex
const REFUSED_IN_TEXT = /[\u0000-\u001f\u007f-\u009f]|\p{Surrogate}/u;

export function oauthFailed(reason: OAuthFailureReason): WardenError {
  return new WardenError('OAUTH_FAILED', { extensions: { reason } });
}

/** Outcome of resolving a provider account to a Warden user inside the callback's transaction. */
export type Resolution =
  | { ok: true; userId: string; identityId: string; created: boolean; linked: boolean; identityEmail: string | null }
  | { ok: false; error: 'EMAIL_NOT_VERIFIED' | 'IDENTITY_ALREADY_LINKED' | 'INVALID_STATE' };

/**
 * What the parts of provider sign-in (flow start and callback, resolution of the provider account, completion and
 * linking, identities) share: keyed hashes and store keys, failure audits, the identity notice and the checks of
 * the provider's profile.
 */
export class OAuthContext {
  constructor(readonly deps: OAuthServiceDeps) {}

  hash(purpose: string, value: string): string {
    return keyedHash(this.deps.hmacKey, purpose, value);
  }

  flowKey(state: string): string {
    return `oauth:flow:${this.hash('oauth-state', state)}`;
  }

  /** Counted once per flow at GET /oauth/start: the first browser to count 1 binds it (KvStore.increment is atomic). */
  bindKey(state: string): string {
    return `oauth:bind:${this.hash('oauth-state', state)}`;
  }

  codeKey(code: string): string {
    return `oauth:code:${this.hash('oauth-code', code)}`;
  }

  recordFailure(reason: string, provider: string, meta: RequestMeta, userId: string | null, detail: string): Promise<void> {
    return this.deps.audit
      .recordAlone({ event: AuditEvents.oauthFailed, outcome: 'failure', userId, meta, data: { provider: provider.slice(0, 40), reason, detail } })
      .catch(() => undefined);
  }

  /** The identity notice (F5) through Notices: after commit; a failed delivery is audited and logged, never thrown. */
  async notify(userId: string, change: 'linked' | 'unlinked', provider: string, providerEmail: string | null, meta: RequestMeta): Promise<void> {
    const providerName = this.deps.clients.find(provider)?.name ?? provider;
    const account = providerEmail ? `${providerName} account ${providerEmail}` : `${providerName} account`;
    const product = this.deps.productName;
    const mail = securityNoticeMail(
      product,
      `A ${providerName} account was ${change}`,
      change === 'linked'
        ? `The ${account} was linked to your ${product} account: it can now sign in to it.`
        : `The ${account} was unlinked from your ${product} account: it no longer signs in to it.`,
    );
    await this.deps.notices.send(userId, { flow: `identity_${change}_notice`, mail }, meta);
  }

  /** Not revoked, not expired, and the user's (revocation by logout, logoutAll, revokeSession… ends a link flow). */
  async sessionIsLive(em: EntityManager, sessionId: string, userId: string): Promise<boolean> {
    const session = await sessionState(em, sessionId);
    return !!session && session.userId === userId && !session.revokedAt && session.expiresAt > this.deps.now();
  }

  providerEmail(profile: ProviderProfile): string | null {
    if (!profile.email) return null;
    try {
      return normalizeEmail(profile.email);
    } catch {
      return null;
    }
  }

  /**
   * The provider's display name, through the checks a typed name passes (input guard: no NUL, lone surrogate or
   * control character; optionalText: trimmed, NFC, at most the string limit). A name that fails is dropped (the
   * account gets none; the user can set one with updateProfile), never a failed sign-in.
   */
  providerName(profile: ProviderProfile): string | null {
    if (typeof profile.name !== 'string' || REFUSED_IN_TEXT.test(profile.name)) return null;
    try {
      return optionalText(profile.name, 'name', this.deps.limits.maxStringLength);
    } catch {
      return null;
    }
  }
}
