// Runs the example supergraph beside a running Warden: `npm run supergraph` (see README.md here).
// Warden must run with FEDERATION_ENABLED=true (and, as here, an ES256 JWT_PRIVATE_KEY for the gateway's JWT plugin).
import { composeSupergraph, startGateway } from './gateway';
import { startOrdersSubgraph } from './orders-subgraph';

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

async function main() {
  const wardenUrl = env('WARDEN_URL', 'http://127.0.0.1:4000').replace(/\/$/, '');
  const issuer = env('WARDEN_ISSUER', env('PUBLIC_URL', wardenUrl)).replace(/\/$/, '');
  const audience = env('WARDEN_AUDIENCE', env('ACCESS_TOKEN_AUDIENCE', issuer));
  const routerSecret = process.env.FEDERATION_ROUTER_SECRET;
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
  const supergraph = composeSupergraph([
    { name: 'warden', url: `${wardenUrl}/graphql`, sdl: wardenSdl },
    { name: 'orders', url: orders.url, sdl: orders.sdl },
  ]);
  const gateway = await startGateway({ supergraph, jwksUrl, issuer, audience, routerSecret, port: Number(env('GATEWAY_PORT', '4100')) });
  process.stdout.write(`orders subgraph: ${orders.url}\ngateway: ${gateway.url}\n`);

  const stop = async () => {
    await gateway.stop();
    await orders.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
