import type { FastifyInstance } from 'fastify';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import type { Context } from '../graphql/context';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { buildWardenSchema } from '../graphql/schema';
import { buildWardenSubgraphSchema } from '../graphql/federation';
import { routerOnlyPlugin } from '../graphql/plugins/router-only-plugin';
import { instanceContainer } from '../graphql/container';
import { createContextFactory } from '../graphql/context';
import { metricsPlugin } from '../graphql/plugins/metrics-plugin';
import { apiKeyPlugin } from '../graphql/plugins/api-key-plugin';
import { createHttpServer } from '../http/server';
import type { ServiceLookup } from '../modules/module';
import type { Infrastructure } from './infrastructure';
import type { Services } from './services';

/** FEDERATION_ENABLED: _entities/_service for the router only (FEDERATION_ROUTER_SECRET); no inline (ftv1) traces. */
function federationPlugins(config: Readonly<Config>): ApolloServerPlugin<Context>[] {
  if (!config.federationEnabled) return [];
  return [ApolloServerPluginInlineTraceDisabled(), ...(config.federationRouterSecret ? [routerOnlyPlugin(config.federationRouterSecret)] : [])];
}

/** The transport: the schema from the module list, the context, Fastify with every module's routes. */
export async function createHttp(config: Readonly<Config>, logger: Logger, infra: Infrastructure, services: Services): Promise<FastifyInstance> {
  const { dataSource, kv } = infra;
  const { metrics, sessions, users, fieldLimiter } = services;
  const container = instanceContainer(services.instances);
  // FEDERATION_ENABLED: an Apollo Federation 2 subgraph (docs/federation.md); the same fields plus _service/_entities.
  const { modules } = services;
  const schema = config.federationEnabled ? await buildWardenSubgraphSchema(container, modules) : await buildWardenSchema(container, modules);
  const byClass = new Map<unknown, object>(services.instances.map((instance) => [instance.constructor, instance]));
  // A module listed without its resolver built by its module's build fails at start, not on the first request.
  const unbuilt = modules
    .flatMap((m) => m.resolvers)
    .filter((type) => !byClass.has(type))
    .map((type) => type.name);
  if (unbuilt.length) throw new TypeError(`resolvers listed in src/modules but not built by any module's build (WardenModule.build): ${unbuilt.join(', ')}`);
  const lookup: ServiceLookup = {
    get(type) {
      const instance = byClass.get(type);
      if (!instance) throw new TypeError('a module route asked for a service the composition root did not build');
      return instance as typeof type.prototype;
    },
  };

  const { fastify } = await createHttpServer({
    schema,
    logger,
    isProduction: config.isProduction,
    exposeErrors: config.nodeEnv === 'development',
    corsOrigins: config.corsOrigins,
    createContext: createContextFactory({
      sessions,
      users,
      trustProxy: config.trustProxy,
      secureCookies: config.nodeEnv !== 'development',
      fieldLimiter,
      bearers: () => services.hooks.bearerAuthenticator(),
    }),
    bodyLimitBytes: config.limits.graphqlMaxBodyBytes,
    graphqlLimits: config.limits,
    maxOperationsPerRequest: config.limits.graphqlMaxOperationsPerRequest,
    routes: modules.flatMap((m) => m.routes ?? []).map((register) => (instance: FastifyInstance) => register(instance, lookup)),
    readiness: [
      { name: 'postgres', check: async () => void (await dataSource.query('SELECT 1')) },
      { name: 'store', check: () => kv.ping() },
    ],
    plugins: [metricsPlugin(metrics), apiKeyPlugin(), ...federationPlugins(config)],
    metrics: () => metrics.render(),
    metricsToken: config.metricsToken,
    metricsPort: config.metricsPort,
    metricsHost: config.host,
  });
  return fastify;
}
