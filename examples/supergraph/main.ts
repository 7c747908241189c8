// Runs the example supergraph beside a running Warden: `npm run supergraph` (see README.md here).
// Warden must run with FEDERATION_ENABLED=true (and, as here, an ES256 JWT_PRIVATE_KEY for the gateway's JWT plugin).
import { startSupergraph } from './supergraph';

async function main() {
  const supergraph = await startSupergraph(process.env);
  process.stdout.write(`orders subgraph: ${supergraph.orders.url}\ngateway: ${supergraph.gateway.url}\n`);

  const stop = async () => {
    await supergraph.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
