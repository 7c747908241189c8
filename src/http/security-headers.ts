import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * @fastify/helmet configured for a JSON API, on every response (404s and Fastify's own refusals too):
 * `X-Content-Type-Options: nosniff`, `Content-Security-Policy: frame-ancestors 'none'` (nobody frames
 * Warden: clickjacking), `Referrer-Policy: no-referrer`, HSTS, `X-Frame-Options: DENY`.
 *
 * In production the CSP also says `default-src 'none'`: an API answer loads nothing. In development
 * GET /graphql serves the Apollo Sandbox page, which runs inline and CDN scripts, so there the CSP is
 * frame-ancestors only. Cross-origin resource/embedder policies stay off: browsers on other origins
 * call the API through CORS, and JSON is never embedded.
 */
export async function registerSecurityHeaders(fastify: FastifyInstance, options: { isProduction: boolean }): Promise<void> {
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: options.isProduction
        ? { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] }
        : { 'default-src': helmet.contentSecurityPolicy.dangerouslyDisableDefaultSrc, 'frame-ancestors': ["'none'"] },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: false,
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    xContentTypeOptions: true,
  });
}
