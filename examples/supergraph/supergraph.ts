// Starts the orders subgraph and the gateway beside a running Warden, from variables (main.ts passes process.env).
import { composeSupergraph, startGateway } from './gateway';
import { startOrdersSubgraph } from './orders-subgraph';

export type Env = Record<string, string | undefined>;

const defaultPort = (url: string) => new URL(url).port || (url.startsWith('https:') ? '443' : '80');

export async function startSupergraph(vars: Env) {
  const env = (name: string, fallback?: string): string => {
    const value = vars[name] || fallback;
    if (value === undefined) throw new Error(`${name} is required`);
    return value;
  };
  const wardenUrl = env('WARDEN_URL', 'http://127.0.0.1:4000').replace(/\/$/, '');
  // Warden's issuer is its PUBLIC_URL, by default http://localhost:<PORT> whatever address it is reached on.
  const issuer = env('WARDEN_ISSUER', env('PUBLIC_URL', `http://localhost:${defaultPort(wardenUrl)}`)).replace(/\/$/, '');
  const audience = env('WARDEN_AUDIENCE', env('ACCESS_TOKEN_AUDIENCE', issuer));
  const routerSecret = vars.FEDERATION_ROUTER_SECRET || undefined;
  const jwksUrl = `${wardenUrl}/.well-known/jwks.json`;

  // Warden's subgraph SDL, as a router fetches it (schema/subgraph.graphql holds the same text).
  const response = await fetch(`${wardenUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(routerSecret ? { 'x-router-secret': routerSecret } : {}) },
    body: JSON.stringify({ query: '{ _service { sdl } }' }),
  });
  const body = (await response.json()) as { data?: { _service?: { sdl: string } }; errors?: unknown[] };
  const wardenSdl = body.data?._service?.sdl;
  if (!wardenSdl) throw new Error(`Warden did not answer _service (FEDERATION_ENABLED=true? router secret?): ${JSON.stringify(body.errors)}`);

  const orders = await startOrdersSubgraph({ jwksUrl, issuer, audience, port: Number(env('ORDERS_PORT', '4002')) });
  try {
    const supergraph = composeSupergraph([
      { name: 'warden', url: `${wardenUrl}/graphql`, sdl: wardenSdl },
      { name: 'orders', url: orders.url, sdl: orders.sdl },
    ]);
    const gateway = await startGateway({ supergraph, jwksUrl, issuer, audience, routerSecret, port: Number(env('GATEWAY_PORT', '4100')) });
    return {
      issuer,
      orders,
      gateway,
      async stop() {
        await gateway.stop();
        await orders.stop();
      },
    };
  } catch (error) {
    await orders.stop();
    throw error;
  }
}
