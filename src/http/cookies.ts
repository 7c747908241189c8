import type { FastifyRequest } from 'fastify';

/**
 * One cookie of the request, parsed when a flow asks for it. @fastify/cookie is registered with `hook: false`:
 * its default hook parsed the Cookie header of every request, and only the refresh (warden_refresh) and the
 * provider sign-in (its browser binding) read a cookie. Setting cookies (reply.setCookie) is unchanged.
 */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  return request.server.parseCookie(header)[name];
}
