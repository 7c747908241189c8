import { randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { KvStore } from '../../store/kv-store';
import type { Limits } from '../../config/limits';
import type { OAuthProviderConfig } from '../../config/oauth-providers';
import { constantTimeEqual, keyedHash } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import { dropUnverifiedPassword } from '../password/unverified-password';
import { withTransaction } from '../../db/transaction';
import { isUniqueViolation } from '../../db/db-errors';
import type { RequestMeta } from '../request-meta';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { IssuedSession, SessionsService, Viewer } from '../sessions/sessions.service';
import { SessionEntity } from '../sessions/session.entity';
import type { UsersService } from '../users/users.service';
import { UserEntity } from '../users/user.entity';
import { normalizeEmail, optionalText } from '../users/identifiers';
import type { Notices } from '../../kernel/notices';
import { securityNoticeMail } from '../../mail/templates/templates';
import type { SignInMethods } from '../users/sign-in-methods';
import { PasswordCredentialEntity } from '../password/password-credential.entity';
import type { FieldLimiter } from '../rate-limits/field-limits';
import { IdentityEntity } from './identity.entity';
import { pkceChallenge, ProviderFailure, type FlowSecrets, type ProviderClients, type ProviderProfile } from './provider-clients';

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
interface StoredFlow {
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
interface StoredCode {
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
const CODE_TTL_SECONDS = 60;
const BROWSER_ID = /^[A-Za-z0-9_-]{43}$/;
const WARDEN_CODE = /^[A-Za-z0-9_-]{32}$/;
const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
// What the schema's input guard (src/graphql/input-guard.ts) refuses in a typed string: C0 (NUL included), DEL,
// C1 and lone surrogates (in a /u pattern a well-formed pair is no match).
// eslint-disable-next-line no-control-regex
const REFUSED_IN_TEXT = /[\u0000-\u001f\u007f-\u009f]|\p{Surrogate}/u;

function oauthFailed(reason: OAuthFailureReason): WardenError {
  return new WardenError('OAUTH_FAILED', { extensions: { reason } });
}

/** Outcome of resolving a provider account to a Warden user inside the callback's transaction. */
type Resolution =
  | { ok: true; userId: string; identityId: string; created: boolean; linked: boolean; identityEmail: string | null }
  | { ok: false; error: 'EMAIL_NOT_VERIFIED' | 'IDENTITY_ALREADY_LINKED' | 'INVALID_STATE' };

/**
 * Provider sign-in (issue #10). startOAuth keeps PKCE verifier, state and nonce server-side; the browser passes
 * through GET /oauth/start (binding cookie) to the provider and back to GET /oauth/callback/:provider, which
 * validates everything (openid-client), resolves or creates the user and redirects to redirectTo with a
 * single-use 60 s Warden code; completeOAuth redeems it through the one sign-in function (amr ["oauth"]).
 */
export class OAuthService {
  constructor(private readonly deps: OAuthServiceDeps) {}

  get settings(): { secureCookies: boolean; trustProxy: number; flowTtlSeconds: number } {
    return { secureCookies: this.deps.secureCookies, trustProxy: this.deps.trustProxy, flowTtlSeconds: this.deps.limits.oauthFlowTtlSeconds };
  }

  providers(): readonly OAuthProviderConfig[] {
    return this.deps.clients.list();
  }

  private hash(purpose: string, value: string): string {
    return keyedHash(this.deps.hmacKey, purpose, value);
  }

  private flowKey(state: string): string {
    return `oauth:flow:${this.hash('oauth-state', state)}`;
  }

  /** Counted once per flow at GET /oauth/start: the first browser to count 1 binds it (KvStore.increment is atomic). */
  private bindKey(state: string): string {
    return `oauth:bind:${this.hash('oauth-state', state)}`;
  }

  private codeKey(code: string): string {
    return `oauth:code:${this.hash('oauth-code', code)}`;
  }

  /** redirectTo: an absolute http(s) URL without userinfo whose exact origin is in REDIRECT_ALLOWLIST. */
  checkRedirect(redirectTo: string): string {
    let url: URL;
    try {
      if (redirectTo.length > 2048 || !/^https?:\/\//i.test(redirectTo)) throw new Error('not absolute http(s)');
      url = new URL(redirectTo);
    } catch {
      throw WardenError.badInput('redirectTo must be an absolute http(s) URL.', 'redirectTo');
    }
    if (url.username || url.password || !this.deps.redirectAllowlist.includes(url.origin)) {
      throw WardenError.badInput('redirectTo is not on an allowed origin (REDIRECT_ALLOWLIST).', 'redirectTo');
    }
    url.searchParams.delete('code');
    url.searchParams.delete('error');
    url.searchParams.delete('reason');
    url.hash = '';
    return url.href;
  }

  /**
   * startOAuth and linkOAuth (link set: the viewer, after @RecentAuth). PKCE is mandatory (OAuth 2.1, RFC 9700
   * §4.5): the client keeps the verifier, so a code injected into another browser's app redeems nothing.
   */
  async start(
    input: { provider: string; redirectTo: string; codeChallenge?: string | null },
    meta: RequestMeta,
    link: Viewer | null,
  ): Promise<{ authorizationUrl: string; expiresAt: Date }> {
    const linkUserId = link?.userId ?? null;
    const provider = this.deps.clients.find(input.provider);
    if (!provider) throw WardenError.badInput('Unknown or unconfigured provider.', 'provider');
    const redirectTo = this.checkRedirect(input.redirectTo);
    const codeChallenge = input.codeChallenge ?? null;
    if (codeChallenge === null || codeChallenge === '') {
      throw WardenError.badInput('codeChallenge is required: the base64url SHA-256 (S256) of a verifier the client keeps.', 'codeChallenge');
    }
    if (!CHALLENGE.test(codeChallenge)) {
      throw WardenError.badInput('codeChallenge must be the base64url SHA-256 of a verifier (43 characters).', 'codeChallenge');
    }
    const secrets = this.deps.clients.newFlowSecrets(provider);
    let providerUrl: string;
    try {
      providerUrl = await this.deps.clients.authorizationUrl(provider, secrets);
    } catch (error) {
      const detail = error instanceof ProviderFailure ? error.detail : 'unknown';
      await this.recordFailure('PROVIDER_ERROR', provider.id, meta, linkUserId, detail);
      throw oauthFailed('PROVIDER_ERROR');
    }
    const ttl = this.deps.limits.oauthFlowTtlSeconds;
    const expiresAtMs = this.deps.now().getTime() + ttl * 1000;
    const flow: StoredFlow = {
      provider: provider.id,
      redirectTo,
      secrets,
      providerUrl,
      codeChallenge,
      linkUserId,
      sessionId: link?.sessionId ?? null,
      browser: null,
      expiresAtMs,
    };
    await this.deps.kv.set(this.flowKey(secrets.state), JSON.stringify(flow), ttl);
    const start = new URL(`${this.deps.publicUrl}${START_PATH}`);
    start.searchParams.set('state', secrets.state);
    return { authorizationUrl: start.href, expiresAt: new Date(expiresAtMs) };
  }

  /**
   * GET /oauth/start?state=…: binds the flow to this browser (an HttpOnly cookie on PUBLIC_URL, first party
   * because the browser itself navigates here) and sends it on to the provider. Of browsers racing for one flow
   * exactly one binds it: the first to count 1 on the flow's bind counter (one atomic increment); the others
   * are sent on only if the flow turns out bound to them (the same browser reloading).
   */
  async begin(state: string | undefined, browserCookie: string | undefined, meta: RequestMeta): Promise<RouteAnswer> {
    const limited = await this.limitRoute(meta);
    if (limited) return limited;
    if (!state || state.length > 128) return { status: 400, reason: 'INVALID_STATE' };
    const key = this.flowKey(state);
    const read = async (): Promise<StoredFlow | null> => {
      const raw = await this.deps.kv.get(key);
      return raw ? (JSON.parse(raw) as StoredFlow) : null;
    };
    let flow = await read();
    const nowMs = this.deps.now().getTime();
    if (!flow || flow.expiresAtMs <= nowMs) return { status: 400, reason: 'INVALID_STATE' };
    const browserId = browserCookie && BROWSER_ID.test(browserCookie) ? browserCookie : randomBytes(32).toString('base64url');
    const browser = this.hash('oauth-browser', browserId);
    const ttlSeconds = Math.max(1, Math.ceil((flow.expiresAtMs - nowMs) / 1000));
    if (!flow.browser) {
      const { value } = await this.deps.kv.increment(this.bindKey(state), ttlSeconds);
      if (value === 1) {
        flow.browser = browser;
        await this.deps.kv.set(key, JSON.stringify(flow), ttlSeconds);
        return { redirect: flow.providerUrl, setBrowser: browserId };
      }
      flow = await read(); // another request bound it a moment ago: perhaps this same browser
    }
    if (!flow?.browser || !constantTimeEqual(flow.browser, browser)) return { status: 400, reason: 'INVALID_STATE' };
    return { redirect: flow.providerUrl, setBrowser: browserId };
  }

  private async limitRoute(meta: RequestMeta): Promise<RouteAnswer | null> {
    try {
      await this.deps.fieldLimiter.consume('oauth.callback', meta);
      return null;
    } catch (error) {
      if (error instanceof WardenError && error.code === 'RATE_LIMITED') {
        return { status: 429, reason: 'RATE_LIMITED', retryAfter: Number(error.extensions.retryAfter) || 60 };
      }
      throw error;
    }
  }

  private errorRedirect(flow: StoredFlow, error: 'OAUTH_FAILED' | 'IDENTITY_ALREADY_LINKED', reason?: OAuthFailureReason): RouteAnswer {
    const url = new URL(flow.redirectTo);
    url.searchParams.set('error', error);
    if (reason) url.searchParams.set('reason', reason);
    return { redirect: url.href };
  }

  /**
   * GET /oauth/callback/:provider. The flow is taken (single use) before anything else; the token exchange and
   * the provider's user endpoints run with no transaction open; then one transaction resolves the user.
   */
  async callback(providerId: string, rawQuery: string, browserCookie: string | undefined, meta: RequestMeta): Promise<RouteAnswer> {
    const limited = await this.limitRoute(meta);
    if (limited) return limited;
    const params = new URLSearchParams(rawQuery);
    const state = params.get('state');
    const taken = state && state.length <= 128 ? await this.deps.kv.getAndDelete(this.flowKey(state)) : null;
    if (!taken) {
      await this.recordFailure('INVALID_STATE', providerId, meta, null, state ? 'unknown or used state' : 'no state');
      return { status: 400, reason: 'INVALID_STATE' };
    }
    const flow = JSON.parse(taken) as StoredFlow;
    const fail = async (reason: OAuthFailureReason, detail: string): Promise<RouteAnswer> => {
      await this.recordFailure(reason, flow.provider, meta, flow.linkUserId, detail);
      return this.errorRedirect(flow, 'OAUTH_FAILED', reason);
    };
    if (flow.provider !== providerId) return fail('INVALID_STATE', `callback of ${providerId.slice(0, 40)} for a flow of ${flow.provider}`);
    if (flow.expiresAtMs <= this.deps.now().getTime()) return fail('INVALID_STATE', 'flow expired');
    const browser = browserCookie && BROWSER_ID.test(browserCookie) ? this.hash('oauth-browser', browserCookie) : null;
    if (!flow.browser || !browser || !constantTimeEqual(flow.browser, browser)) return fail('INVALID_STATE', 'another browser');
    const provider = this.deps.clients.find(flow.provider);
    if (!provider) return fail('PROVIDER_ERROR', 'provider no longer configured');
    const providerError = params.get('error');
    if (providerError) return fail(providerError === 'access_denied' ? 'ACCESS_DENIED' : 'PROVIDER_ERROR', `provider error ${providerError.slice(0, 60)}`);

    let profile: ProviderProfile;
    try {
      profile = await this.deps.clients.finish(provider, rawQuery, flow.secrets);
    } catch (error) {
      if (error instanceof ProviderFailure) return fail(error.reason, error.detail);
      throw error;
    }

    if (flow.linkUserId) return this.linkCallback(flow, provider.id, profile, meta, fail);

    const resolution = await this.resolveWithRetry(provider, profile, meta);
    if (!resolution.ok) {
      if (resolution.error === 'IDENTITY_ALREADY_LINKED') {
        await this.recordFailure('IDENTITY_ALREADY_LINKED', provider.id, meta, flow.linkUserId, 'identity of another user');
        return this.errorRedirect(flow, 'IDENTITY_ALREADY_LINKED');
      }
      return fail(resolution.error, resolution.error === 'EMAIL_NOT_VERIFIED' ? 'provider email missing or unverified' : 'link target gone');
    }
    const stored: StoredCode = {
      userId: resolution.userId,
      provider: provider.id,
      identityId: resolution.identityId,
      codeChallenge: flow.codeChallenge,
      link: false,
      expiresAtMs: this.deps.now().getTime() + CODE_TTL_SECONDS * 1000,
    };
    if (resolution.linked) {
      // Auto-link by verified email: the notice goes out after commit, without holding up the redirect.
      void this.notify(resolution.userId, 'linked', provider.id, resolution.identityEmail, meta);
    }
    return this.codeRedirect(flow, stored);
  }

  private async codeRedirect(flow: StoredFlow, stored: StoredCode): Promise<RouteAnswer> {
    const code = randomBytes(24).toString('base64url');
    await this.deps.kv.set(this.codeKey(code), JSON.stringify(stored), CODE_TTL_SECONDS);
    const url = new URL(flow.redirectTo);
    url.searchParams.set('code', code);
    return { redirect: url.href };
  }

  /**
   * The callback of a linkOAuth flow links nothing: it checks that the session that started the flow is still
   * live and that the provider account is not another user's, then stashes the provider account in the Warden
   * code. completeOAuth links it, and only on that session's bearer with the flow's verifier (F1): a victim's
   * browser that opened an attacker's link gets a code it cannot redeem.
   */
  private async linkCallback(
    flow: StoredFlow,
    provider: string,
    profile: ProviderProfile,
    meta: RequestMeta,
    fail: (reason: OAuthFailureReason, detail: string) => Promise<RouteAnswer>,
  ): Promise<RouteAnswer> {
    const em = this.deps.dataSource.manager;
    if (!flow.sessionId || !(await this.sessionIsLive(em, flow.sessionId, flow.linkUserId!))) return fail('INVALID_STATE', 'linking session ended');
    const identity = await em.findOne(IdentityEntity, { where: { provider, subject: profile.subject } });
    if (identity && identity.userId !== flow.linkUserId) {
      await this.recordFailure('IDENTITY_ALREADY_LINKED', provider, meta, flow.linkUserId, 'identity of another user');
      return this.errorRedirect(flow, 'IDENTITY_ALREADY_LINKED');
    }
    const stored: StoredCode = {
      userId: flow.linkUserId!,
      provider,
      identityId: null,
      codeChallenge: flow.codeChallenge,
      link: true,
      sessionId: flow.sessionId,
      profile: { subject: profile.subject, email: this.providerEmail(profile), emailVerified: profile.emailVerified },
      expiresAtMs: this.deps.now().getTime() + CODE_TTL_SECONDS * 1000,
    };
    return this.codeRedirect(flow, stored);
  }

  /** Not revoked, not expired, and the user's (revocation by logout, logoutAll, revokeSession… ends a link flow). */
  private async sessionIsLive(em: EntityManager, sessionId: string, userId: string): Promise<boolean> {
    const session = await em.findOne(SessionEntity, { where: { id: sessionId }, select: { id: true, userId: true, revokedAt: true, expiresAt: true } });
    return !!session && session.userId === userId && !session.revokedAt && session.expiresAt > this.deps.now();
  }

  private providerEmail(profile: ProviderProfile): string | null {
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
  private providerName(profile: ProviderProfile): string | null {
    if (typeof profile.name !== 'string' || REFUSED_IN_TEXT.test(profile.name)) return null;
    try {
      return optionalText(profile.name, 'name', this.deps.limits.maxStringLength);
    } catch {
      return null;
    }
  }

  /**
   * Two callbacks racing for the same new provider account (or the same new email) meet at a unique index; the
   * loser's transaction rolls back and runs once more, when it finds the winner's rows and signs in to them.
   */
  private async resolveWithRetry(provider: OAuthProviderConfig, profile: ProviderProfile, meta: RequestMeta): Promise<Resolution> {
    try {
      return await withTransaction(this.deps.dataSource, (em) => this.resolve(em, provider, profile, meta));
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return withTransaction(this.deps.dataSource, (em) => this.resolve(em, provider, profile, meta));
    }
  }

  /**
   * The sign-in rules (docs/oauth.md), inside the callback's one transaction (a linkOAuth flow links at
   * completeOAuth instead: linkCallback, completeLink).
   */
  private async resolve(em: EntityManager, providerConfig: OAuthProviderConfig, profile: ProviderProfile, meta: RequestMeta): Promise<Resolution> {
    const provider = providerConfig.id;
    const now = this.deps.now();
    const email = this.providerEmail(profile);
    const emailVerified = email !== null && profile.emailVerified;
    const identity = await em.findOne(IdentityEntity, { where: { provider, subject: profile.subject }, lock: { mode: 'pessimistic_write' } });

    if (identity) {
      await em.update(IdentityEntity, { id: identity.id }, { email, emailVerified, lastSignInAt: now });
      await this.deps.audit.record(em, { event: AuditEvents.oauthCompleted, userId: identity.userId, meta, data: { provider, identityId: identity.id } });
      return { ok: true, userId: identity.userId, identityId: identity.id, created: false, linked: false, identityEmail: email };
    }

    // A new provider account: only a verified email links or creates anything.
    if (!email || !emailVerified) return { ok: false, error: 'EMAIL_NOT_VERIFIED' };
    const identityId = randomUUID();
    let user = await em.findOne(UserEntity, { where: { email }, lock: { mode: 'pessimistic_write' } });
    let created = false;
    let takeover = false;
    if (user) {
      // Linking to an existing account by email only where this provider's "verified" is trusted (F18: a
      // generic IdP that lets users set their own address would otherwise take over any account). Otherwise the
      // user signs in another way and links the provider from settings (linkOAuth).
      if (!providerConfig.trustEmail) return { ok: false, error: 'EMAIL_NOT_VERIFIED' };
      if (!user.emailVerified) {
        // Pre-registration takeover: whoever signed up with this address never proved it. The provider did, so
        // the account goes to the provider's user; the unverified password and every session are dropped.
        takeover = await dropUnverifiedPassword(em, this.deps.sessions, user, 'oauth_unverified_account_claimed', meta);
        user = await this.deps.users.markVerified(em, user, 'EMAIL');
      }
    } else {
      // A new account takes the address only from a provider trusted for email (F18). An untrusted one's account
      // gets no email: the address stays on the identity row, so that Google, a LOGIN code, a magic link or a
      // reset for it never reach this account. The user can add an address later (requestEmailChange).
      const own = providerConfig.trustEmail ? { email, emailVerified: true } : { email: null, emailVerified: false };
      user = await this.deps.users.create(em, { ...own, name: this.providerName(profile) });
      created = true;
      await this.deps.audit.record(em, { event: AuditEvents.userSignedUp, userId: user.id, meta, data: { method: `oauth_${provider}` } });
    }
    await em.insert(IdentityEntity, { id: identityId, userId: user.id, provider, subject: profile.subject, email, emailVerified, lastSignInAt: now });
    if (!created) {
      await this.deps.audit.record(em, {
        event: AuditEvents.identityLinked,
        userId: user.id,
        meta,
        data: { provider, identityId, via: 'verified_email', takeover },
      });
    }
    await this.deps.audit.record(em, { event: AuditEvents.oauthCompleted, userId: user.id, meta, data: { provider, identityId, created } });
    return { ok: true, userId: user.id, identityId, created, linked: !created, identityEmail: email };
  }

  private recordFailure(reason: string, provider: string, meta: RequestMeta, userId: string | null, detail: string): Promise<void> {
    return this.deps.audit
      .recordAlone({ event: AuditEvents.oauthFailed, outcome: 'failure', userId, meta, data: { provider: provider.slice(0, 40), reason, detail } })
      .catch(() => undefined);
  }

  /**
   * completeOAuth: redeems the Warden code once (of racing callers exactly one gets it) with the verifier of the
   * flow's codeChallenge (always required). A sign-in code signs in; a link code links the provider account,
   * only on the bearer of the live session that called linkOAuth, and answers that session's fresh pair.
   */
  async complete(input: { code: string; codeVerifier?: string | null }, meta: RequestMeta, viewer: Viewer | null): Promise<IssuedSession> {
    const taken = WARDEN_CODE.test(input.code) ? await this.deps.kv.getAndDelete(this.codeKey(input.code)) : null;
    const stored = taken ? (JSON.parse(taken) as StoredCode) : null;
    const refuse = async (detail: string): Promise<never> => {
      await this.recordFailure('INVALID_STATE', stored?.provider ?? 'unknown', meta, stored?.userId ?? null, detail);
      throw oauthFailed('INVALID_STATE');
    };
    if (!stored) return refuse('unknown or used code');
    if (stored.expiresAtMs <= this.deps.now().getTime()) return refuse('code expired');
    const verifier = input.codeVerifier ?? '';
    if (!stored.codeChallenge || !VERIFIER.test(verifier) || !constantTimeEqual(await pkceChallenge(verifier), stored.codeChallenge)) {
      return refuse('codeVerifier missing or does not match codeChallenge');
    }
    if (stored.link) {
      if (!stored.profile || !viewer || viewer.sessionId !== stored.sessionId || viewer.userId !== stored.userId) {
        return refuse('link code redeemed outside the linking session');
      }
      return this.completeLink(stored, meta, refuse);
    }
    const issued = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await this.deps.users.findById(em, stored.userId);
      if (!user) return null;
      return this.deps.sessions.signIn(em, { user, amr: ['oauth'], method: `oauth_${stored.provider}`, meta });
    });
    if (!issued) return refuse('user gone');
    return issued;
  }

  /** The link itself, in one transaction that also re-checks the session (F2) and answers its fresh pair. */
  private async completeLink(stored: StoredCode, meta: RequestMeta, refuse: (detail: string) => Promise<never>): Promise<IssuedSession> {
    const profile = stored.profile!;
    const provider = stored.provider;
    let outcome: { issued: IssuedSession; linked: boolean } | 'SESSION_ENDED' | 'IDENTITY_ALREADY_LINKED';
    try {
      outcome = await withTransaction(this.deps.dataSource, async (em) => {
        const user = await em.findOne(UserEntity, { where: { id: stored.userId }, lock: { mode: 'pessimistic_write' } });
        const issued = user ? await this.deps.sessions.continueSession(em, stored.sessionId!, stored.userId) : null;
        if (!user || !issued) return 'SESSION_ENDED' as const;
        const identity = await em.findOne(IdentityEntity, { where: { provider, subject: profile.subject }, lock: { mode: 'pessimistic_write' } });
        if (identity && identity.userId !== user.id) return 'IDENTITY_ALREADY_LINKED' as const;
        const now = this.deps.now();
        const identityId = identity?.id ?? randomUUID();
        const { email, emailVerified } = profile;
        if (identity) {
          await em.update(IdentityEntity, { id: identity.id }, { email, emailVerified, lastSignInAt: now });
        } else {
          await em.insert(IdentityEntity, { id: identityId, userId: user.id, provider, subject: profile.subject, email, emailVerified, lastSignInAt: now });
          await this.deps.audit.record(em, { event: AuditEvents.identityLinked, userId: user.id, meta, data: { provider, identityId, via: 'linkOAuth' } });
        }
        await this.deps.audit.record(em, { event: AuditEvents.oauthCompleted, userId: user.id, meta, data: { provider, identityId, link: true } });
        return { issued, linked: !identity };
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      outcome = 'IDENTITY_ALREADY_LINKED'; // linked to someone else meanwhile
    }
    if (outcome === 'SESSION_ENDED') return refuse('linking session ended');
    if (outcome === 'IDENTITY_ALREADY_LINKED') {
      await this.recordFailure('IDENTITY_ALREADY_LINKED', provider, meta, stored.userId, 'identity of another user');
      throw new WardenError('IDENTITY_ALREADY_LINKED');
    }
    if (outcome.linked) await this.notify(stored.userId, 'linked', provider, profile.email, meta);
    return outcome.issued;
  }

  /** The identity notice (F5) through Notices: after commit; a failed delivery is audited and logged, never thrown. */
  private async notify(userId: string, change: 'linked' | 'unlinked', provider: string, providerEmail: string | null, meta: RequestMeta): Promise<void> {
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

  /** unlinkIdentity (recent authentication): refuses the last way to sign in (a verified email, a password, another identity… count). */
  async unlink(userId: string, identityId: string, meta: RequestMeta): Promise<UserEntity> {
    const { user, identity } = await withTransaction(this.deps.dataSource, async (em) => {
      const user = await em.findOne(UserEntity, { where: { id: userId }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new WardenError('UNAUTHENTICATED');
      const identity = /^[0-9a-f-]{36}$/i.test(identityId) ? await em.findOne(IdentityEntity, { where: { id: identityId, userId } }) : null;
      if (!identity) throw WardenError.badInput('No such linked identity.', 'id');
      const remaining = await this.deps.signInMethods.remainingAfter(em, userId, { kind: 'identity' });
      if (remaining < 1) throw new WardenError('LAST_SIGN_IN_METHOD');
      await em.delete(IdentityEntity, { id: identity.id });
      await this.deps.audit.record(em, { event: AuditEvents.identityUnlinked, userId, meta, data: { provider: identity.provider, identityId: identity.id } });
      return { user, identity };
    });
    await this.notify(userId, 'unlinked', identity.provider, identity.email, meta);
    return user;
  }

  identitiesOf(userId: string): Promise<IdentityEntity[]> {
    return this.deps.dataSource.manager.find(IdentityEntity, { where: { userId }, order: { createdAt: 'ASC' } });
  }

  async hasPassword(userId: string): Promise<boolean> {
    return (await this.deps.dataSource.manager.count(PasswordCredentialEntity, { where: { userId } })) > 0;
  }
}

/** The 'identity' source of the sign-in-method registry: linked provider accounts. */
export const identitySignInMethodSource = {
  kind: 'identity',
  count: async (em: EntityManager, userId: string): Promise<number> => em.count(IdentityEntity, { where: { userId } }),
};

/** The `identities` section of exportAccountData: linked provider accounts, without the provider's subject. */
export async function exportIdentities(em: EntityManager, userId: string): Promise<unknown[]> {
  const rows = await em.find(IdentityEntity, { where: { userId }, order: { createdAt: 'ASC' } });
  return rows.map((i) => ({ id: i.id, provider: i.provider, email: i.email, createdAt: i.createdAt, lastUsedAt: i.lastSignInAt }));
}
