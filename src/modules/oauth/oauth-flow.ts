import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../../crypto/secret-token';
import { WardenError } from '../../errors/warden-error';
import type { RequestMeta } from '../request-meta';
import type { Viewer } from '../sessions/sessions.service';
import { IdentityEntity } from './identity.entity';
import { ProviderFailure, type ProviderProfile } from './provider-clients';
import {
  BROWSER_ID,
  CHALLENGE,
  CODE_TTL_SECONDS,
  START_PATH,
  oauthFailed,
  type OAuthContext,
  type OAuthFailureReason,
  type RouteAnswer,
  type StoredCode,
  type StoredFlow,
} from './oauth-context';
import type { ProviderAccountResolution } from './oauth-resolution';

/**
 * startOAuth and linkOAuth, GET /oauth/start (the browser binding) and GET /oauth/callback/:provider, which
 * validates everything and redirects to redirectTo with a single-use 60 s Warden code.
 */
export class OAuthFlows {
  constructor(
    private readonly context: OAuthContext,
    private readonly resolution: ProviderAccountResolution,
  ) {}

  private get deps() {
    return this.context.deps;
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
      await this.context.recordFailure('PROVIDER_ERROR', provider.id, meta, linkUserId, detail);
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
    await this.deps.kv.set(this.context.flowKey(secrets.state), JSON.stringify(flow), ttl);
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
    const key = this.context.flowKey(state);
    const read = async (): Promise<StoredFlow | null> => {
      const raw = await this.deps.kv.get(key);
      return raw ? (JSON.parse(raw) as StoredFlow) : null;
    };
    let flow = await read();
    const nowMs = this.deps.now().getTime();
    if (!flow || flow.expiresAtMs <= nowMs) return { status: 400, reason: 'INVALID_STATE' };
    const browserId = browserCookie && BROWSER_ID.test(browserCookie) ? browserCookie : randomBytes(32).toString('base64url');
    const browser = this.context.hash('oauth-browser', browserId);
    const ttlSeconds = Math.max(1, Math.ceil((flow.expiresAtMs - nowMs) / 1000));
    if (!flow.browser) {
      const { value } = await this.deps.kv.increment(this.context.bindKey(state), ttlSeconds);
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
    const taken = state && state.length <= 128 ? await this.deps.kv.getAndDelete(this.context.flowKey(state)) : null;
    if (!taken) {
      await this.context.recordFailure('INVALID_STATE', providerId, meta, null, state ? 'unknown or used state' : 'no state');
      return { status: 400, reason: 'INVALID_STATE' };
    }
    const flow = JSON.parse(taken) as StoredFlow;
    const fail = async (reason: OAuthFailureReason, detail: string): Promise<RouteAnswer> => {
      await this.context.recordFailure(reason, flow.provider, meta, flow.linkUserId, detail);
      return this.errorRedirect(flow, 'OAUTH_FAILED', reason);
    };
    if (flow.provider !== providerId) return fail('INVALID_STATE', `callback of ${providerId.slice(0, 40)} for a flow of ${flow.provider}`);
    if (flow.expiresAtMs <= this.deps.now().getTime()) return fail('INVALID_STATE', 'flow expired');
    const browser = browserCookie && BROWSER_ID.test(browserCookie) ? this.context.hash('oauth-browser', browserCookie) : null;
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

    const resolution = await this.resolution.resolveWithRetry(provider, profile, meta);
    if (!resolution.ok) {
      if (resolution.error === 'IDENTITY_ALREADY_LINKED') {
        await this.context.recordFailure('IDENTITY_ALREADY_LINKED', provider.id, meta, flow.linkUserId, 'identity of another user');
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
      const userId = resolution.userId;
      this.context
        .notify(userId, 'linked', provider.id, resolution.identityEmail, meta)
        .catch((error: unknown) => this.deps.notices.logFailure(error, 'identity_linked_notice', userId));
    }
    return this.codeRedirect(flow, stored);
  }

  private async codeRedirect(flow: StoredFlow, stored: StoredCode): Promise<RouteAnswer> {
    const code = randomBytes(24).toString('base64url');
    await this.deps.kv.set(this.context.codeKey(code), JSON.stringify(stored), CODE_TTL_SECONDS);
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
    if (!flow.sessionId || !(await this.context.sessionIsLive(em, flow.sessionId, flow.linkUserId!))) return fail('INVALID_STATE', 'linking session ended');
    const identity = await em.findOne(IdentityEntity, { where: { provider, subject: profile.subject } });
    if (identity && identity.userId !== flow.linkUserId) {
      await this.context.recordFailure('IDENTITY_ALREADY_LINKED', provider, meta, flow.linkUserId, 'identity of another user');
      return this.errorRedirect(flow, 'IDENTITY_ALREADY_LINKED');
    }
    const stored: StoredCode = {
      userId: flow.linkUserId!,
      provider,
      identityId: null,
      codeChallenge: flow.codeChallenge,
      link: true,
      sessionId: flow.sessionId,
      profile: { subject: profile.subject, email: this.context.providerEmail(profile), emailVerified: profile.emailVerified },
      expiresAtMs: this.deps.now().getTime() + CODE_TTL_SECONDS * 1000,
    };
    return this.codeRedirect(flow, stored);
  }
}
