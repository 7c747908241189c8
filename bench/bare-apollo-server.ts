/**
 * The baseline: a bare Apollo Server 5 on the same HTTP integration as Warden (Fastify +
 * @as-integrations/fastify), answering `{ hello }`. Started as its own process by bench.ts.
 */
import Fastify from 'fastify';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';

async function main(): Promise<void> {
  const fastify = Fastify({ logger: false });
  const apollo = new ApolloServer({
    typeDefs: 'type Query { hello: String! }',
    resolvers: { Query: { hello: () => 'world' } },
    plugins: [fastifyApolloDrainPlugin(fastify), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();
  fastify.route({ url: '/graphql', method: ['GET', 'POST', 'OPTIONS'], handler: fastifyApolloHandler(apollo) });
  const address = await fastify.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  process.stdout.write(`listening ${address}\n`);
  process.on('SIGTERM', () => {
    void fastify.close().then(() => process.exit(0));
  });
}

main().catch((error) => {
  process.stderr.write(`bare apollo failed: ${String(error)}\n`);
  process.exit(1);
});
