import { randomUUID } from 'node:crypto';
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
import { graphqlArmor, parseOptions, type GraphQLLimits } from '../graphql/plugins/armor-plugin';
import { requestLogPlugin } from '../graphql/plugins/request-log-plugin';
import { errorLogPlugin } from '../graphql/plugins/error-log-plugin';
import { lazyChildLogger } from './lazy-child-logger';
import { securityHeaders } from './security-headers';
import { registerMetricsRoute } from './metrics-route';

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
  /** Routes the capability modules add (src/modules/index.ts), registered after the built-in ones. */
  routes?: readonly ((fastify: FastifyInstance) => void | Promise<void>)[];
  readiness: readonly ReadinessCheck[];
  plugins?: ApolloServerPlugin<Context>[];
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /** When set, /metrics answers only requests with Authorization: Bearer <metricsToken>. */
  metricsToken?: string | null;
  /** When set, /metrics is served on this port (on metricsHost) and not on the API port. */
  metricsPort?: number | null;
  metricsHost?: string;
  bodyLimitBytes?: number;
  /** Depth, aliases, cost, tokens, directives (graphql-armor). */
  graphqlLimits: GraphQLLimits;
  /** How long close() waits for in-flight requests before it cuts their connections. */
  drainTimeoutMs?: number;
  /** Operations one HTTP request may carry; 1 (the default) turns batching off. */
  maxOperationsPerRequest?: number;
}

/** Fastify + Apollo Server 5: /graphql /healthz /readyz /metrics, and the modules' routes (e.g. /.well-known/jwks.json) */
export async function createHttpServer(deps: HttpServerDeps): Promise<{ fastify: FastifyInstance; apollo: ApolloServer<Context> }> {
  const fastify = Fastify({
    loggerInstance: deps.logger as unknown as import('fastify').FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes ?? 64 * 1024,
    requestIdHeader: false,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    childLoggerFactory: lazyChildLogger,
  });
  // Every log line written about a request carries its id (request.log; GraphQL's lines through the
  // context's log), and the client gets it back to quote in a report; the security headers (the same set on
  // every answer) go on in the same hook. Hooks in callback style: an async hook costs a promise per request.
  const headers = securityHeaders(deps.isProduction);
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.headers(headers);
    done();
  });
  // Draining (SIGTERM → app.close()): new requests get 503 (return503OnClosing); a response finished
  // during the drain closes its keep-alive socket, which would otherwise hold close() open for Fastify's
  // 72 s keepAliveTimeout; whatever is still open after drainTimeoutMs is cut.
  let draining = false;
  fastify.addHook('preClose', (done) => {
    draining = true;
    setTimeout(() => fastify.server.closeAllConnections(), deps.drainTimeoutMs ?? 10_000).unref();
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  // Fastify's own refusals (body too large, unsupported content type, bad JSON) in GraphQL's error shape.
  fastify.setErrorHandler((error: import('fastify').FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      request.log.info({ reason: error.code, statusCode: status }, 'request refused');
      const extensions = { code: 'BAD_REQUEST', ...(typeof error.code === 'string' ? { reason: error.code } : {}) };
      return reply.code(status).send({ errors: [{ message: error.message, extensions }] });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });
  // Cookies are parsed only where a flow reads one (src/http/cookies.ts), not on every request.
  await fastify.register(cookie, { hook: false });
  await fastify.register(cors, {
    origin: [...deps.corsOrigins],
    credentials: true,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name'],
    exposedHeaders: ['x-request-id'],
  });

  const maxOperations = deps.maxOperationsPerRequest ?? 1;
  const armor = graphqlArmor(deps.graphqlLimits, { isProduction: deps.isProduction });
  const apollo = new ApolloServer<Context>({
    schema: deps.schema,
    validationRules: armor.validationRules,
    parseOptions: parseOptions(deps.graphqlLimits),
    formatError: createFormatError({ exposeStack: deps.exposeErrors }),
    includeStacktraceInErrorResponses: deps.exposeErrors,
    introspection: !deps.isProduction,
    csrfPrevention: true,
    allowBatchedHttpRequests: maxOperations > 1,
    logger: deps.logger,
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      // Warden sets no cache hints, so Apollo's cache-control plugin would only cost a hook on every field
      // (the route below marks every answer no-store instead).
      ApolloServerPluginCacheControlDisabled(),
      deps.isProduction
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({
            embed: { endpointIsEditable: false, runTelemetry: false },
            includeCookies: true,
            document: sandboxDocument,
            headers: { Authorization: 'Bearer <accessToken from verifyOtp>' },
          }),
      ...(armor.plugins as ApolloServerPlugin<Context>[]),
      requestLogPlugin(deps.logger),
      errorLogPlugin(deps.logger),
      ...(deps.plugins ?? []),
    ],
  });
  await apollo.start();

  // A batch (JSON array) larger than GRAPHQL_MAX_OPERATIONS_PER_REQUEST is refused before any operation runs;
  // with batching off Apollo refuses every array. Each operation of an allowed batch is limited on its own.
  fastify.addHook('preValidation', (request, reply, done) => {
    if (Array.isArray(request.body) && request.body.length > maxOperations) {
      reply.code(400).send({
        errors: [{ message: `At most ${maxOperations} operation(s) per request.`, extensions: { code: 'BAD_REQUEST' } }],
      });
      return;
    }
    done();
  });

  const graphqlHandler = fastifyApolloHandler(apollo, { context: deps.createContext });
  fastify.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    onSend: (request, reply, payload, done) => done(null, withCsrfHint(request.method, reply.statusCode, payload, deps.isProduction)),
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

  for (const register of deps.routes ?? []) await register(fastify);

  registerMetricsRoute(fastify, deps);

  return { fastify, apollo };
}

/**
 * Apollo's CSRF prevention refuses a GET without a JSON content type or a preflight header: `curl …/graphql`
 * gets a CSRF error that says nothing about why. The refusal gains `extensions.hint`: Apollo Sandbox is a page
 * for a browser (which sends Accept: text/html) and loads from Apollo's CDN; a script POSTs JSON.
 */
function withCsrfHint(method: string, status: number, payload: unknown, isProduction: boolean): unknown {
  if (status !== 400 || typeof payload !== 'string' || !payload.includes('Cross-Site Request Forgery')) return payload;
  let body: { errors?: { extensions?: Record<string, unknown> }[] };
  try {
    body = JSON.parse(payload) as typeof body;
  } catch {
    return payload;
  }
  const post = `to call it from a script, POST JSON: curl -H 'content-type: application/json' -d '{"query":"{ __typename }"}' <this URL>`;
  const hint =
    method === 'GET' && !isProduction
      ? `Apollo Sandbox (the GraphQL IDE on this URL) opens in a web browser, which sends Accept: text/html; it loads from Apollo's CDN, so the browser needs the internet. Or ${post}.`
      : `This URL is a GraphQL endpoint: ${post}.`;
  for (const error of body.errors ?? []) error.extensions = { ...error.extensions, hint };
  return JSON.stringify(body);
}
