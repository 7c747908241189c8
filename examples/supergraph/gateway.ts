// The example supergraph's gateway, all MIT: composed with @theguild/federation-composition, served by the
// Hive Gateway runtime, access tokens checked at the edge by Hive's JWT plugin against Warden's JWKS, and the
// bearer token (plus the router secret) forwarded to every subgraph, which decide for themselves.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { createRemoteJwksSigningKeyProvider, extractFromHeader, useJWT } from '@graphql-mesh/plugin-jwt-auth';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';

export interface SubgraphSource {
  name: string;
  /** Where the gateway sends this subgraph's requests (ends up in @join__graph(url:)). */
  url: string;
  /** The subgraph's SDL (Warden: schema/subgraph.graphql, or `_service { sdl }`). */
  sdl: string;
}

/** The supergraph SDL; throws every composition error (a conflicting field type, a non-shareable field…). */
export function composeSupergraph(subgraphs: SubgraphSource[]): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => e.message).join('\n')}`);
  return result.supergraphSdl;
}

export interface GatewayOptions {
  supergraph: string;
  /** Warden's /.well-known/jwks.json. */
  jwksUrl: string;
  /** Warden's PUBLIC_URL (iss) and ACCESS_TOKEN_AUDIENCE (aud). */
  issuer: string;
  audience: string;
  /** Warden's FEDERATION_ROUTER_SECRET: sent as x-router-secret to the subgraphs. */
  routerSecret?: string;
  port?: number;
  host?: string;
  /** The name Warden's subgraph has in the supergraph (default warden): only it sees the client's cookies. */
  wardenSubgraph?: string;
  /** The gateway's log level (refused tokens are logged at warn). */
  logging?: 'debug' | 'info' | 'warn' | 'error' | false;
}

export async function startGateway(options: GatewayOptions) {
  const warden = options.wardenSubgraph ?? 'warden';
  const gateway = createGatewayRuntime({
    supergraph: options.supergraph,
    logging: options.logging ?? 'warn',
    propagateHeaders: {
      fromClientToSubgraphs: ({ request, subgraphName }) => ({
        authorization: request.headers.get('authorization') ?? undefined,
        ...(options.routerSecret ? { 'x-router-secret': options.routerSecret } : {}),
        // The warden_refresh cookie (browser clients' refresh token) goes to Warden only, never to other subgraphs.
        ...(subgraphName === warden ? { cookie: request.headers.get('cookie') ?? undefined } : {}),
      }),
      // …and Warden's Set-Cookie (sign-in, refresh, logout) comes back to the browser.
      fromSubgraphsToClient: ({ response, subgraphName }) => (subgraphName === warden ? { 'set-cookie': response.headers.getSetCookie() } : {}),
    },
    // Router-enforced permissions: a field annotated @requiresScopes (Warden's organization fields) is refused at
    // the gateway, before any subgraph runs, unless the verified token's `scope` (the active organization's
    // permissions) holds one of its scope sets. Requests without a token pass; Warden applies the same rules itself.
    genericAuth: {
      mode: 'protect-granular',
      rejectUnauthenticated: false,
      resolveUserFn: (context: { jwt?: { payload?: Record<string, unknown> } }) => context.jwt?.payload ?? null,
      extractScopes: (user: Record<string, unknown> | null) => (typeof user?.scope === 'string' && user.scope !== '' ? user.scope.split(' ') : []),
    },
    plugins: () => [
      // Hive's JWT plugin verifies with jsonwebtoken, which cannot verify Ed25519: Warden signs with a P-256
      // key (JWT_PRIVATE_KEY, ES256) for it. (A jose-based check through `genericAuth` accepts EdDSA too.)
      // The cast: two copies of @graphql-hive/logger's types clash under strict TypeScript.
      useJWT({
        signingKeyProviders: [createRemoteJwksSigningKeyProvider({ jwksUri: options.jwksUrl })],
        tokenLookupLocations: [extractFromHeader({ name: 'authorization', prefix: 'Bearer' })],
        tokenVerification: { issuer: options.issuer, audience: options.audience, algorithms: ['ES256'] },
        // Signing in happens through the gateway: requests without a token pass; a bad token is refused.
        reject: { missingToken: false, invalidToken: true },
      }) as never,
    ],
  });
  const server = http.createServer(gateway);
  await new Promise<void>((resolve) => server.listen(options.port ?? 4000, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/graphql`,
    async stop() {
      await gateway.dispose();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
