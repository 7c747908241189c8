import type { FastifyRequest } from 'fastify';
import type { RequestMeta } from '../modules/request-meta';

export type { RequestMeta };

/**
 * X-Forwarded-For lists client, proxy1, proxy2…; each trusted hop appends the address it saw.
 * With TRUST_PROXY=n we trust the last n entries' authors, so the client is n entries from the right
 * (counting the socket peer as the last hop). Any value beyond is client-controlled and ignored.
 */
export function clientIp(socketIp: string | undefined, forwardedFor: string | string[] | undefined, trustProxy: number): string | null {
  const peer = socketIp ?? null;
  if (trustProxy <= 0 || !forwardedFor) return peer;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const chain = header
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const hops = [...chain, ...(peer ? [peer] : [])];
  const index = hops.length - 1 - trustProxy;
  return (index >= 0 ? hops[index] : hops[0]) ?? peer;
}

export function requestMeta(request: FastifyRequest, trustProxy: number): RequestMeta {
  const ua = request.headers['user-agent'];
  return {
    requestId: String(request.id),
    ip: clientIp(request.socket.remoteAddress, request.headers['x-forwarded-for'], trustProxy),
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
  };
}
