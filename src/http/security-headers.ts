import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Helmet configured for a JSON API, on every response (404s and Fastify's own refusals too):
 * `X-Content-Type-Options: nosniff`, `Content-Security-Policy: frame-ancestors 'none'` (nobody frames
 * Warden: clickjacking), `Referrer-Policy: no-referrer`, HSTS, `X-Frame-Options: DENY`: the set the OWASP REST
 * Security Cheat Sheet asks of an API (with `Cache-Control: no-store` on GraphQL answers, set by the route).
 *
 * In production the CSP also says `default-src 'none'`: an API answer loads nothing. In development
 * GET /graphql serves the Apollo Sandbox page, which runs inline and CDN scripts, so there the CSP is
 * frame-ancestors only. Cross-origin resource/embedder policies stay off: browsers on other origins
 * call the API through CORS, and JSON is never embedded.
 */
export function securityHeaderOptions(isProduction: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: isProduction
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
    // Headers for old browsers rendering HTML (IE8 downloads, Flash/PDF cross-domain policies, the retired XSS
    // auditor, DNS prefetching of links in a page): nothing for a JSON API (OWASP REST Security Cheat Sheet), and
    // each is a header to validate and send on every answer.
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  };
}

/**
 * The headers helmet sets for these options, worked out once: nothing in them depends on the request
 * (no CSP nonces), so every response gets the same set. @fastify/helmet built a new helmet middleware
 * for every request, which cost a measurable share of a light request's CPU (docs/performance.md).
 */
export function securityHeaders(isProduction: boolean): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(securityHeaderOptions(isProduction))({} as IncomingMessage, res as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return Object.freeze(headers);
}

export function registerSecurityHeaders(fastify: FastifyInstance, options: { isProduction: boolean }): void {
  const headers = securityHeaders(options.isProduction);
  fastify.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}
