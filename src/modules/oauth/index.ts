import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WardenModule } from '../module';
import { requestMeta } from '../../http/request-meta';
import { readCookie } from '../../http/cookies';
import { IdentityEntity } from './identity.entity';
import { IdentityFieldsResolver, OAuthResolver } from './oauth.resolver';
import { BROWSER_COOKIE, CALLBACK_PATH, OAuthService, START_PATH, exportIdentities, identitySignInMethodSource, type RouteAnswer } from './oauth.service';
import { ProviderClients } from './provider-clients';
import type { UsersProvides } from '../users';
import type { SessionsProvides } from '../sessions';
import type { RateLimitsProvides } from '../rate-limits';
import { oauthDeclarations } from './oauth.declarations';

function rawQuery(request: FastifyRequest): string {
  const i = request.url.indexOf('?');
  return i < 0 ? '' : request.url.slice(i + 1);
}

/** A redirect, or a small page naming the reason (the flow is unknown, so there is no redirectTo to go back to). */
function answer(reply: FastifyReply, result: RouteAnswer, oauth: OAuthService): FastifyReply {
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  if ('redirect' in result) {
    if (result.setBrowser) {
      const { secureCookies, flowTtlSeconds } = oauth.settings;
      reply.setCookie(BROWSER_COOKIE, result.setBrowser, { httpOnly: true, sameSite: 'lax', secure: secureCookies, path: '/oauth', maxAge: flowTtlSeconds });
    }
    return reply.redirect(result.redirect, 302);
  }
  if (result.retryAfter) reply.header('retry-after', String(result.retryAfter));
  const text = result.reason === 'RATE_LIMITED' ? 'Too many requests. Try again later.' : 'This sign-in link is invalid or has expired. Start again.';
  return reply
    .code(result.status)
    .type('text/html; charset=utf-8')
    .send(`<!doctype html><meta charset="utf-8"><title>Sign-in failed</title><p>${text}</p><p><code>OAUTH_FAILED ${result.reason}</code></p>`);
}

/** PostgreSQL or the key-value store failed: a small 503 page (the error itself goes to the log by Fastify's hook). */
async function orUnavailable(reply: FastifyReply, request: FastifyRequest, run: () => Promise<FastifyReply>): Promise<FastifyReply> {
  try {
    return await run();
  } catch (error) {
    request.log.error({ err: error }, 'provider route failed');
    return reply
      .code(503)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send('<!doctype html><meta charset="utf-8"><title>Sign-in unavailable</title><p>Sign-in is temporarily unavailable. Try again shortly.</p>');
  }
}

/** Sign-in with Google, GitHub or any OpenID provider, and linked identities (docs/oauth.md). */
export const oauthModule: WardenModule = {
  name: 'oauth',
  dependsOn: ['users', 'sessions', 'rate-limits'],
  build(kernel, peers) {
    const { config } = kernel;
    const { users, signInMethods } = peers.of<UsersProvides>('users');
    const oauth = new OAuthService({
      dataSource: kernel.db,
      kv: kernel.kv,
      clients: new ProviderClients(config.oauthProviders, { publicUrl: config.publicUrl, isProduction: config.isProduction }),
      users,
      sessions: peers.of<SessionsProvides>('sessions').sessions,
      audit: kernel.audit,
      notices: kernel.notices,
      productName: config.productName,
      signInMethods,
      fieldLimiter: peers.of<RateLimitsProvides>('rate-limits').fieldLimiter,
      hmacKey: kernel.keys.hmacKey,
      limits: kernel.limits,
      publicUrl: config.publicUrl,
      redirectAllowlist: config.redirectAllowlist,
      secureCookies: config.nodeEnv !== 'development',
      trustProxy: config.trustProxy,
      now: kernel.clock.now,
    });
    return {
      instances: [oauth, new OAuthResolver(oauth), new IdentityFieldsResolver(oauth)],
      hooks: { signInMethods: [identitySignInMethodSource], exportSections: { identities: exportIdentities } },
    };
  },
  entities: [IdentityEntity],
  resolvers: [OAuthResolver, IdentityFieldsResolver],
  routes: [
    (fastify, services) => {
      const oauth = services.get(OAuthService);
      fastify.get(START_PATH, (request, reply) =>
        orUnavailable(reply, request, async () => {
          const state = new URLSearchParams(rawQuery(request)).get('state') ?? undefined;
          const meta = requestMeta(request, oauth.settings.trustProxy);
          return answer(reply, await oauth.begin(state, readCookie(request, BROWSER_COOKIE), meta), oauth);
        }),
      );
      fastify.get<{ Params: { provider: string } }>(`${CALLBACK_PATH}/:provider`, (request, reply) =>
        orUnavailable(reply, request, async () => {
          const meta = requestMeta(request, oauth.settings.trustProxy);
          return answer(reply, await oauth.callback(request.params.provider, rawQuery(request), readCookie(request, BROWSER_COOKIE), meta), oauth);
        }),
      );
    },
  ],
  ...oauthDeclarations,
};

// The identities table's part of another module's statement (users.retention: a linked account is a way in).
export { identityExistsSql } from './identity-statements';
