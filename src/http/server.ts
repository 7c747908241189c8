import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Context } from '../graphql/context';
import { createFormatError } from '../errors/format-error';
import { sandboxDocument } from '../graphql/sandbox-document';
import { lazyChildLogger } from './lazy-child-logger';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface HttpServerDeps {
  schema: GraphQLSchema;
  logger: Logger;
  isProduction: boolean;
  exposeErrors: boolean;
  corsOrigins: readonly string[];
  createContext: (request: import('fastify').FastifyRequest, reply: import('fastify').FastifyReply) => Promise<Context>;
  jwks: () => object;
  readiness: readonly ReadinessCheck[];
  plugins?: ApolloServerPlugin<Context>[];
  metrics?: () => Promise<{ contentType: string; body: string }>;
  bodyLimitBytes?: number;
}

/** Fastify + Apollo Server 5: /graphql /healthz /readyz /metrics /.well-known/jwks.json */
export async function createHttpServer(deps: HttpServerDeps): Promise<{ fastify: FastifyInstance; apollo: ApolloServer<Context> }> {
  const fastify = Fastify({
    loggerInstance: deps.logger as unknown as import('fastify').FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes ?? 64 * 1024,
    requestIdHeader: false,
    return503OnClosing: true,
    childLoggerFactory: lazyChildLogger,
  });
  await fastify.register(cookie);
  await fastify.register(cors, {
    origin: [...deps.corsOrigins],
    credentials: true,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name'],
  });

  const apollo = new ApolloServer<Context>({
    schema: deps.schema,
    formatError: createFormatError({ logger: deps.logger, exposeStack: deps.exposeErrors }),
    includeStacktraceInErrorResponses: deps.exposeErrors,
    introspection: !deps.isProduction,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    logger: deps.logger,
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      // Warden sets no cache hints, so Apollo's cache-control plugin would only cost a hook on every field
      // (the route below marks every answer no-store instead).
      ApolloServerPluginCacheControlDisabled(),
      deps.isProduction
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({
            embed: { endpointIsEditable: false },
            includeCookies: true,
            document: sandboxDocument,
            headers: { Authorization: 'Bearer <accessToken from verifyOtp>' },
          }),
      ...(deps.plugins ?? []),
    ],
  });
  await apollo.start();

  const graphqlHandler = fastifyApolloHandler(apollo, { context: deps.createContext });
  fastify.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    handler(request, reply) {
      // Answers carry tokens and personal data: never cacheable.
      reply.header('cache-control', 'no-store');
      return graphqlHandler.call(this, request as Parameters<typeof graphqlHandler>[0], reply as Parameters<typeof graphqlHandler>[1]);
    },
  });

  fastify.get('/healthz', async () => ({ status: 'ok' }));

  fastify.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(
      deps.readiness.map(async (r) => {
        try {
          await Promise.race([r.check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
          return [r.name, 'ok'] as const;
        } catch {
          return [r.name, 'unavailable'] as const;
        }
      }),
    );
    const checks = Object.fromEntries(results);
    const failed = results.filter(([, s]) => s !== 'ok').map(([n]) => n);
    reply.code(failed.length ? 503 : 200);
    return { status: failed.length ? 'unavailable' : 'ok', checks, ...(failed.length ? { failed } : {}) };
  });

  fastify.get('/.well-known/jwks.json', async (_request, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return deps.jwks();
  });

  if (deps.metrics) {
    const metrics = deps.metrics;
    fastify.get('/metrics', async (_request, reply) => {
      const { contentType, body } = await metrics();
      reply.header('content-type', contentType);
      return body;
    });
  }

  return { fastify, apollo };
}
