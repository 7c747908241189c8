import type { FastifyReply, FastifyRequest } from 'fastify';
import { readCookie } from './cookies';

export const REFRESH_COOKIE = 'warden_refresh';

export interface RefreshCookie {
  read(): string | null;
  set(token: string, expiresAt: Date): void;
  clear(): void;
}

/** warden_refresh: HttpOnly, SameSite=Lax, Secure outside development, Path=/graphql (contract). */
export function refreshCookie(request: FastifyRequest, reply: FastifyReply, secure: boolean): RefreshCookie {
  const base = { httpOnly: true, sameSite: 'lax' as const, secure, path: '/graphql' };
  return {
    read: () => readCookie(request, REFRESH_COOKIE) ?? null,
    set: (token, expiresAt) => {
      reply.setCookie(REFRESH_COOKIE, token, { ...base, expires: expiresAt });
    },
    clear: () => {
      reply.clearCookie(REFRESH_COOKIE, base);
    },
  };
}
