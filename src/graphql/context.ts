import DataLoader from 'dataloader';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RequestMeta } from '../http/request-meta';
import { requestMeta } from '../http/request-meta';
import { refreshCookie, type RefreshCookie } from '../http/refresh-cookie';
import type { SessionsService, Viewer } from '../modules/sessions/sessions.service';
import type { UsersService } from '../modules/users/users.service';
import type { UserEntity } from '../modules/users/user.entity';
import type { OrganizationEntity } from '../modules/users/organization.entity';
import type { SessionEntity } from '../modules/sessions/session.entity';
import { WardenError } from '../errors/warden-error';
import type { FieldLimiter } from '../modules/rate-limits/field-limits';

export interface Loaders {
  user: DataLoader<string, UserEntity | null>;
  organization: DataLoader<string, OrganizationEntity | null>;
  liveSessions: DataLoader<string, SessionEntity[]>;
}

export interface Context {
  meta: RequestMeta;
  /** The bearer's session; null without Authorization. UNAUTHENTICATED for a bad, expired or revoked token. */
  viewer(): Promise<Viewer | null>;
  requireViewer(): Promise<Viewer>;
  /** A session this request just created (sign-in), so its AuthPayload.user can show its sessions. */
  signedIn: Viewer | null;
  refreshCookie: RefreshCookie;
  loaders: Loaders;
  /** Per-IP limits that @RateLimit applies to each executed mutation field. */
  fieldLimiter: FieldLimiter;
}

export interface ContextDeps {
  sessions: SessionsService;
  users: UsersService;
  trustProxy: number;
  secureCookies: boolean;
  fieldLimiter: FieldLimiter;
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new WardenError('UNAUTHENTICATED', { message: 'Authorization must be "Bearer <accessToken>".' });
  return match[1]!;
}

export function createContextFactory(deps: ContextDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<Context> => {
    let viewerPromise: Promise<Viewer | null> | null = null;
    const viewer = () =>
      (viewerPromise ??= (async () => {
        const token = bearerToken(request.headers.authorization);
        return token ? deps.sessions.authenticate(token) : null;
      })());
    const context: Context = {
      meta: requestMeta(request, deps.trustProxy),
      viewer,
      requireViewer: async () => {
        const v = await viewer();
        if (!v) throw new WardenError('UNAUTHENTICATED', { message: 'Sign in first: send Authorization: Bearer <accessToken>.' });
        return v;
      },
      signedIn: null,
      refreshCookie: refreshCookie(request, reply, deps.secureCookies),
      fieldLimiter: deps.fieldLimiter,
      loaders: {
        user: new DataLoader((ids) => deps.users.loadUsers(ids)),
        organization: new DataLoader((ids) => deps.users.loadOrganizations(ids)),
        liveSessions: new DataLoader(async (ids) => {
          const byUser = await deps.sessions.listLive(ids);
          return ids.map((id) => byUser.get(id) ?? []);
        }),
      },
    };
    return context;
  };
}
