import type { OAuthProviderConfig } from '../../config/oauth-providers';
import type { RequestMeta } from '../request-meta';
import type { IssuedSession, Viewer } from '../sessions/sessions.service';
import type { UserEntity } from '../users';
import type { IdentityEntity } from './identity.entity';
import { OAuthContext, type OAuthServiceDeps, type RouteAnswer } from './oauth-context';
import { OAuthFlows } from './oauth-flow';
import { ProviderAccountResolution } from './oauth-resolution';
import { OAuthCompletion } from './oauth-completion';
import { Identities } from './identities';

export { BROWSER_COOKIE, CALLBACK_PATH, START_PATH, type OAuthFailureReason, type OAuthServiceDeps, type RouteAnswer } from './oauth-context';
export { exportIdentities, identitySignInMethodSource } from './identities';

/**
 * Provider sign-in (issue #10). startOAuth keeps PKCE verifier, state and nonce server-side; the browser passes
 * through GET /oauth/start (binding cookie) to the provider and back to GET /oauth/callback/:provider, which
 * validates everything (openid-client), resolves or creates the user and redirects to redirectTo with a
 * single-use 60 s Warden code; completeOAuth redeems it through the one sign-in function (amr ["oauth"]).
 * Each concern is its own class (oauth-flow, oauth-resolution, oauth-completion, identities; what they share is
 * in oauth-context); this one answers the resolvers and the HTTP routes.
 */
export class OAuthService {
  private readonly flows: OAuthFlows;
  private readonly completion: OAuthCompletion;
  private readonly identities: Identities;

  constructor(private readonly deps: OAuthServiceDeps) {
    const context = new OAuthContext(deps);
    this.flows = new OAuthFlows(context, new ProviderAccountResolution(context));
    this.completion = new OAuthCompletion(context);
    this.identities = new Identities(context);
  }

  get settings(): { secureCookies: boolean; trustProxy: number; flowTtlSeconds: number } {
    return { secureCookies: this.deps.secureCookies, trustProxy: this.deps.trustProxy, flowTtlSeconds: this.deps.limits.oauthFlowTtlSeconds };
  }

  providers(): readonly OAuthProviderConfig[] {
    return this.deps.clients.list();
  }

  // ---------------------------------------------------------------- flow start and callback (oauth-flow.ts)

  /** redirectTo: an absolute http(s) URL without userinfo whose exact origin is in REDIRECT_ALLOWLIST. */
  checkRedirect(redirectTo: string): string {
    return this.flows.checkRedirect(redirectTo);
  }

  /** startOAuth and linkOAuth (link set: the viewer, after @RecentAuth). */
  start(
    input: { provider: string; redirectTo: string; codeChallenge?: string | null },
    meta: RequestMeta,
    link: Viewer | null,
  ): Promise<{ authorizationUrl: string; expiresAt: Date }> {
    return this.flows.start(input, meta, link);
  }

  /** GET /oauth/start?state=…: binds the flow to this browser and sends it on to the provider. */
  begin(state: string | undefined, browserCookie: string | undefined, meta: RequestMeta): Promise<RouteAnswer> {
    return this.flows.begin(state, browserCookie, meta);
  }

  /** GET /oauth/callback/:provider. */
  callback(providerId: string, rawQuery: string, browserCookie: string | undefined, meta: RequestMeta): Promise<RouteAnswer> {
    return this.flows.callback(providerId, rawQuery, browserCookie, meta);
  }

  // ---------------------------------------------------------------- completion and linking (oauth-completion.ts)

  /** completeOAuth. */
  complete(input: { code: string; codeVerifier?: string | null }, meta: RequestMeta, viewer: Viewer | null): Promise<IssuedSession> {
    return this.completion.complete(input, meta, viewer);
  }

  // ---------------------------------------------------------------- identities (identities.ts)

  /** unlinkIdentity (recent authentication). */
  unlink(userId: string, identityId: string, meta: RequestMeta): Promise<UserEntity> {
    return this.identities.unlink(userId, identityId, meta);
  }

  identitiesOf(userId: string): Promise<IdentityEntity[]> {
    return this.identities.identitiesOf(userId);
  }

  hasPassword(userId: string): Promise<boolean> {
    return this.identities.hasPassword(userId);
  }
}
