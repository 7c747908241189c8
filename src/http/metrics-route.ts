import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerSecurityHeaders } from './security-headers';

export interface MetricsRouteDeps {
  isProduction: boolean;
  metrics?: () => Promise<{ contentType: string; body: string }>;
  metricsToken?: string | null;
  metricsPort?: number | null;
  metricsHost?: string;
}

/**
 * /metrics (Prometheus). Its counters tell decoys from real accounts, so:
 * - METRICS_PORT set: served only on that port (bind it where only the scraper reaches), never on the API port;
 * - else METRICS_TOKEN set: served on the API port to `Authorization: Bearer <METRICS_TOKEN>` only;
 * - else: served openly outside production, and not at all (404) in production.
 * METRICS_TOKEN, when set, is also required on METRICS_PORT.
 */
export function registerMetricsRoute(fastify: FastifyInstance, deps: MetricsRouteDeps): void {
  if (!deps.metrics) return;
  const metrics = deps.metrics;
  const expected = deps.metricsToken ? createHash('sha256').update(`Bearer ${deps.metricsToken}`).digest() : null;
  const route = (server: FastifyInstance): void => {
    server.get('/metrics', async (request, reply) => {
      if (expected) {
        const given = createHash('sha256')
          .update(request.headers.authorization ?? '')
          .digest();
        if (!timingSafeEqual(given, expected)) {
          reply.code(401).header('www-authenticate', 'Bearer realm="metrics"');
          return { error: 'METRICS_TOKEN required: send Authorization: Bearer <METRICS_TOKEN>' };
        }
      }
      const { contentType, body } = await metrics();
      reply.header('content-type', contentType).header('cache-control', 'no-store');
      return body;
    });
  };

  if (deps.metricsPort) {
    const port = deps.metricsPort;
    const metricsServer = Fastify({ logger: false });
    fastify.addHook('onListen', async () => {
      registerSecurityHeaders(metricsServer, { isProduction: deps.isProduction });
      route(metricsServer);
      await metricsServer.listen({ port, host: deps.metricsHost ?? '127.0.0.1' });
    });
    fastify.addHook('onClose', async () => {
      await metricsServer.close();
    });
    return;
  }
  if (deps.isProduction && !expected) return;
  route(fastify);
}
