import * as client from 'openid-client';
import type { OAuthProviderConfig } from '../../config/oauth-providers';
import { assertNoOpenTransaction } from '../../db/transaction';

/** What Warden keeps of a provider account after a successful callback. */
export interface ProviderProfile {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
}

/** The secrets of one flow, kept server-side (key-value store) between startOAuth and the callback. */
export interface FlowSecrets {
  state: string;
  codeVerifier: string;
  /** OIDC only. */
  nonce: string | null;
}

export type ProviderFailureReason = 'ACCESS_DENIED' | 'PROVIDER_ERROR';

/** A failure at the provider or in validating its answer; `detail` is safe to log (never a body, code or token). */
export class ProviderFailure extends Error {
  constructor(
    readonly reason: ProviderFailureReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
  }
}

const isLoopbackHost = (u: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname) || u.hostname.endsWith('.localhost');

/** What may be logged of an openid-client error: its code and its cause's message, never a response body. */
function describe(error: unknown): string {
  const e = error as { name?: string; code?: string; error?: string; cause?: unknown };
  const cause = e.cause instanceof Error ? e.cause.message : undefined;
  return (
    [e.name, e.code, e.error, cause]
      .filter((part) => typeof part === 'string' && part)
      .join(' ')
      .slice(0, 300) || 'unknown error'
  );
}

const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };
const TIMEOUT_SECONDS = 10;

/**
 * The relying party, on openid-client 6 (OpenID-certified): discovery, PKCE S256, state and nonce, ID-token
 * validation (issuer, audience, nonce, expiry, and the signature against the provider's JWKS:
 * enableNonRepudiationChecks), RFC 9207 `iss`; plain OAuth 2.0 for GitHub. No network call at boot:
 * discovery runs on first use and is cached (dropped again when it failed).
 */
export class ProviderClients {
  private readonly configs = new Map<string, Promise<client.Configuration>>();

  constructor(
    private readonly providers: readonly OAuthProviderConfig[],
    private readonly opts: { publicUrl: string; isProduction: boolean },
  ) {}

  list(): readonly OAuthProviderConfig[] {
    return this.providers;
  }

  find(id: string): OAuthProviderConfig | undefined {
    return this.providers.find((p) => p.id === id);
  }

  /** PUBLIC_URL + /oauth/callback/<id>: the redirect URI to register at the provider; never from a request header. */
  redirectUri(provider: OAuthProviderConfig): string {
    return `${this.opts.publicUrl}/oauth/callback/${provider.id}`;
  }

  private insecureAllowed(url: URL): boolean {
    return url.protocol === 'http:' && isLoopbackHost(url) && !this.opts.isProduction;
  }

  private configuration(provider: OAuthProviderConfig): Promise<client.Configuration> {
    let config = this.configs.get(provider.id);
    if (!config) {
      config = this.build(provider);
      config.catch(() => this.configs.delete(provider.id));
      this.configs.set(provider.id, config);
    }
    return config;
  }

  private async build(provider: OAuthProviderConfig): Promise<client.Configuration> {
    if (provider.kind === 'GITHUB') {
      const web = new URL(provider.webUrl!);
      const config = new client.Configuration(
        {
          issuer: web.origin,
          authorization_endpoint: new URL('/login/oauth/authorize', web).href,
          token_endpoint: new URL('/login/oauth/access_token', web).href,
        },
        provider.clientId,
        provider.clientSecret,
        client.ClientSecretPost(provider.clientSecret),
      );
      if (this.insecureAllowed(web)) client.allowInsecureRequests(config);
      config.timeout = TIMEOUT_SECONDS;
      return config;
    }
    const issuer = new URL(provider.issuer!);
    const execute: ((c: client.Configuration) => void)[] = [client.enableNonRepudiationChecks];
    if (this.insecureAllowed(issuer)) execute.push(client.allowInsecureRequests);
    return client.discovery(issuer, provider.clientId, { client_secret: provider.clientSecret }, client.ClientSecretBasic(provider.clientSecret), {
      execute,
      timeout: TIMEOUT_SECONDS,
    });
  }

  newFlowSecrets(provider: OAuthProviderConfig): FlowSecrets {
    return {
      state: client.randomState(),
      codeVerifier: client.randomPKCECodeVerifier(),
      nonce: provider.kind === 'OIDC' ? client.randomNonce() : null,
    };
  }

  /** The provider's authorization URL for this flow. PROVIDER_ERROR when discovery fails. */
  async authorizationUrl(provider: OAuthProviderConfig, flow: FlowSecrets): Promise<string> {
    assertNoOpenTransaction('ProviderClients.authorizationUrl (discovery)');
    try {
      const config = await this.configuration(provider);
      const params: Record<string, string> = {
        redirect_uri: this.redirectUri(provider),
        scope: provider.kind === 'GITHUB' ? 'read:user user:email' : 'openid email profile',
        code_challenge: await client.calculatePKCECodeChallenge(flow.codeVerifier),
        code_challenge_method: 'S256',
        state: flow.state,
      };
      if (flow.nonce) params.nonce = flow.nonce;
      return client.buildAuthorizationUrl(config, params).href;
    } catch (error) {
      throw new ProviderFailure('PROVIDER_ERROR', describe(error));
    }
  }

  /**
   * Redeems the provider's code (token exchange) and reads the account. `query` is the callback's whole query
   * string (it carries RFC 9207 `iss`). Runs with no database transaction open.
   */
  async finish(provider: OAuthProviderConfig, query: string, flow: FlowSecrets): Promise<ProviderProfile> {
    assertNoOpenTransaction('ProviderClients.finish (token exchange)');
    const currentUrl = new URL(`${this.redirectUri(provider)}?${query}`);
    let config: client.Configuration;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      config = await this.configuration(provider);
      tokens = await client.authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        ...(flow.nonce ? { expectedNonce: flow.nonce } : {}),
        idTokenExpected: provider.kind === 'OIDC',
      });
    } catch (error) {
      if (error instanceof client.AuthorizationResponseError && error.error === 'access_denied') throw new ProviderFailure('ACCESS_DENIED', 'access_denied');
      throw new ProviderFailure('PROVIDER_ERROR', describe(error));
    }
    try {
      return provider.kind === 'GITHUB' ? await this.githubProfile(provider, config, tokens.access_token) : await this.oidcProfile(config, tokens);
    } catch (error) {
      if (error instanceof ProviderFailure) throw error;
      throw new ProviderFailure('PROVIDER_ERROR', describe(error));
    }
  }

  private async oidcProfile(config: client.Configuration, tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>): Promise<ProviderProfile> {
    const claims = tokens.claims();
    if (!claims) throw new ProviderFailure('PROVIDER_ERROR', 'no ID token');
    let email = typeof claims.email === 'string' ? claims.email : null;
    let verified = claims.email_verified === true;
    let name = typeof claims.name === 'string' ? claims.name : null;
    if (!email) {
      // Providers that keep the email out of the ID token (conformIdTokenClaims) answer it from userinfo.
      const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      email = typeof info.email === 'string' ? info.email : null;
      verified = info.email_verified === true;
      name = name ?? (typeof info.name === 'string' ? info.name : null);
    }
    return { subject: claims.sub, email, emailVerified: email !== null && verified, name };
  }

  private async githubProfile(provider: OAuthProviderConfig, config: client.Configuration, accessToken: string): Promise<ProviderProfile> {
    const get = async (path: string): Promise<unknown> => {
      const res = await client.fetchProtectedResource(config, accessToken, new URL(path, provider.apiUrl!), 'GET', undefined, new Headers(GITHUB_HEADERS));
      if (!res.ok) throw new ProviderFailure('PROVIDER_ERROR', `GitHub ${path} answered ${res.status}`);
      return res.json();
    };
    const user = (await get('/user')) as { id?: unknown; name?: unknown };
    if (typeof user.id !== 'number' && typeof user.id !== 'string') throw new ProviderFailure('PROVIDER_ERROR', 'GitHub /user has no id');
    const emails = (await get('/user/emails')) as { email?: unknown; primary?: unknown; verified?: unknown }[];
    const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && typeof e.email === 'string') : undefined;
    return {
      subject: String(user.id), // never the login: it can be renamed and registered again by someone else
      email: primary ? String(primary.email) : null,
      emailVerified: primary?.verified === true,
      name: typeof user.name === 'string' ? user.name : null,
    };
  }
}

/** base64url(SHA-256(verifier)), for a native app's codeChallenge. */
export function pkceChallenge(verifier: string): Promise<string> {
  return client.calculatePKCECodeChallenge(verifier);
}
