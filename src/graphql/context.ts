import DataLoader from 'dataloader';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestMeta } from '../http/request-meta';
import { requestMeta } from '../http/request-meta';
import { refreshCookie, type RefreshCookie } from '../http/refresh-cookie';
import type { FieldLimiter } from '../modules/rate-limits/field-limits';
import type { SessionsService, Viewer } from '../modules/sessions/sessions.service';
import type { UsersService } from '../modules/users/users.service';
import type { UserEntity } from '../modules/users/user.entity';
import type { OrganizationEntity } from '../modules/organizations/organization.entity';
import type { SessionEntity } from '../modules/sessions/session.entity';
import { WardenError } from '../errors/warden-error';
import type { ApiKeyPrincipal, BearerAuthenticator } from '../modules/api-keys/api-key-principal';

export interface Loaders {
  user: DataLoader<string, UserEntity | null>;
  organization: DataLoader<string, OrganizationEntity | null>;
  liveSessions: DataLoader<string, SessionEntity[]>;
}

export interface Context {
  meta: RequestMeta;
  /** The request's logger: every line carries the reqId the client got back in x-request-id. */
  readonly log: FastifyBaseLogger;
  /** The bearer's session; null without Authorization. UNAUTHENTICATED for a bad, expired or revoked token. */
  viewer(): Promise<Viewer | null>;
  /** The same without waiting, when it is known without I/O; undefined: await viewer(). */
  viewerNow(): Viewer | null | undefined;
  requireViewer(): Promise<Viewer>;
  /** The bearer's session, or null when there is none or its token is bad, expired or revoked (logout). */
  viewerOrNull(): Promise<Viewer | null>;
  /** REAUTHENTICATION_REQUIRED unless the bearer's session authenticated recently (@RecentAuth()). */
  requireRecentAuthentication(): Promise<void>;
  /** A sign-in just created exceptSessionId: ends the session of the warden_refresh cookie received, if another. */
  endCookieSession(exceptSessionId: string): Promise<void>;
  /** A session this request just created (sign-in), so its AuthPayload.user can show its sessions. */
  signedIn: Viewer | null;
  refreshCookie: RefreshCookie;
  /** Per-IP limits that @RateLimit applies to each executed mutation field. */
  fieldLimiter: FieldLimiter;
  loaders: Loaders;
  /** The API key (or the token exchanged for one) the bearer is; null for a session token or no bearer. */
  apiKey(): Promise<ApiKeyPrincipal | null>;
  /** null when the bearer is known without I/O to be no API key (none, or a session token verified before); else undefined: await apiKey(). */
  apiKeyNow(): null | undefined;
}

export interface ContextDeps {
  sessions: SessionsService;
  users: UsersService;
  trustProxy: number;
  secureCookies: boolean;
  fieldLimiter: FieldLimiter;
  /** The api-keys module's authenticator (the bearerAuthenticator hook), read per request; none: sessions only. */
  bearers?: () => BearerAuthenticator | undefined;
}

function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new WardenError('UNAUTHENTICATED', { message: 'Authorization must be "Bearer <accessToken>".' });
  return match[1]!;
}

/** The DataLoaders, each made on first use: most requests (viewer { id }, refreshSession) never need them. */
class RequestLoaders implements Loaders {
  private userLoader: Loaders['user'] | null = null;
  private organizationLoader: Loaders['organization'] | null = null;
  private liveSessionsLoader: Loaders['liveSessions'] | null = null;

  constructor(private readonly deps: ContextDeps) {}

  get user(): Loaders['user'] {
    return (this.userLoader ??= new DataLoader((ids) => this.deps.users.loadUsers(ids)));
  }

  get organization(): Loaders['organization'] {
    return (this.organizationLoader ??= new DataLoader((ids) => this.deps.users.loadOrganizations(ids)));
  }

  get liveSessions(): Loaders['liveSessions'] {
    return (this.liveSessionsLoader ??= new DataLoader(async (ids) => {
      const byUser = await this.deps.sessions.listLive(ids);
      return ids.map((id) => byUser.get(id) ?? []);
    }));
  }
}

/**
 * One per request. A class with its methods on the prototype, and everything computed on first use:
 * Apollo copies the context's own properties for each operation, so they must be plain and few.
 */
class RequestContext implements Context {
  signedIn: Viewer | null = null;
  readonly loaders: Loaders;
  private viewerPromise: Promise<Viewer | null> | null = null;
  private viewerKnown: Viewer | null | undefined = undefined;
  private metaValue: RequestMeta | null = null;
  private cookie: RefreshCookie | null = null;
  private machinePromise: Promise<ApiKeyPrincipal | null> | null = null;
  /** The bearer token, parsed once (undefined: not yet). */
  private tokenValue: string | null | undefined = undefined;

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    private readonly deps: ContextDeps,
  ) {
    this.loaders = new RequestLoaders(deps);
  }

  get meta(): RequestMeta {
    return (this.metaValue ??= requestMeta(this.request, this.deps.trustProxy));
  }

  get log(): FastifyBaseLogger {
    return this.request.log;
  }

  get fieldLimiter(): FieldLimiter {
    return this.deps.fieldLimiter;
  }

  get refreshCookie(): RefreshCookie {
    return (this.cookie ??= refreshCookie(this.request, this.reply, this.deps.secureCookies));
  }

  viewer(): Promise<Viewer | null> {
    return (this.viewerPromise ??= this.authenticate());
  }

  /** The bearer token or null; UNAUTHENTICATED for a malformed Authorization header (not remembered: it throws again). */
  private bearer(): string | null {
    if (this.tokenValue === undefined) this.tokenValue = bearerToken(this.request.headers.authorization);
    return this.tokenValue;
  }

  viewerNow(): Viewer | null | undefined {
    if (this.viewerKnown !== undefined) return this.viewerKnown;
    const token = this.bearer();
    // A machine bearer is never remembered by the sessions (undefined): its viewer comes from apiKey().
    this.viewerKnown = token ? this.deps.sessions.authenticateFromMemory(token) : null;
    return this.viewerKnown;
  }

  /** The authenticator when the bearer is an API key or a token exchanged for one; else null. */
  private machine(token: string | null): BearerAuthenticator | null {
    const authenticator = token ? this.deps.bearers?.() : undefined;
    return authenticator && authenticator.accepts(token!) ? authenticator : null;
  }

  /**
   * No bearer, or a session token the sessions verified before (no I/O): no API key. Tokens exchanged for keys carry
   * no `sid`, which a session token must, so the hot path skips decoding the payload to look for `client_id`.
   */
  private knownNoKey(): boolean {
    try {
      return this.bearer() === null || !!this.viewerNow();
    } catch {
      return false; // a malformed header, or a revoked session: apiKey() answers
    }
  }

  apiKeyNow(): null | undefined {
    return this.knownNoKey() ? null : undefined;
  }

  apiKey(): Promise<ApiKeyPrincipal | null> {
    return (this.machinePromise ??= (async () => {
      let token: string | null;
      try {
        token = this.bearer();
      } catch {
        return null; // a malformed header is the sessions' answer to give (viewer()), not a key's
      }
      if (this.knownNoKey()) return null;
      const authenticator = this.machine(token);
      if (!authenticator) return null;
      const principal = await authenticator.authenticate(token!, this.meta);
      this.meta.apiKeyId = principal.apiKeyId;
      return principal;
    })());
  }

  private async authenticate(): Promise<Viewer | null> {
    const token = this.bearer();
    if (!token) return null;
    if (this.machine(token)) {
      // A personal key acts as its owner (within its scopes); an organization's key has no viewer.
      const principal = await this.apiKey();
      return principal?.userId ? { userId: principal.userId, sessionId: `api-key:${principal.apiKeyId}` } : null;
    }
    const viewer = await this.deps.sessions.authenticate(token);
    // An impersonation token: every audit row this request writes names the admin (actor_id).
    if (viewer?.impersonatorId) this.meta.actorId = viewer.impersonatorId;
    return viewer;
  }

  async viewerOrNull(): Promise<Viewer | null> {
    try {
      return await this.viewer();
    } catch (error) {
      if (error instanceof WardenError && error.code === 'UNAUTHENTICATED') return null;
      throw error;
    }
  }

  async requireRecentAuthentication(): Promise<void> {
    if (await this.apiKey()) throw new WardenError('FORBIDDEN', { message: 'API keys cannot do this.', extensions: { reason: 'API_KEY' } });
    await this.deps.sessions.requireRecentAuthentication(await this.requireViewer());
  }

  async endCookieSession(exceptSessionId: string): Promise<void> {
    const token = this.refreshCookie.read();
    if (token) await this.deps.sessions.endSupersededSession(token, exceptSessionId, this.meta);
  }

  async requireViewer(): Promise<Viewer> {
    const v = await this.viewer();
    if (!v) throw new WardenError('UNAUTHENTICATED', { message: 'Sign in first: send Authorization: Bearer <accessToken>.' });
    return v;
  }
}

export function createContextFactory(deps: ContextDeps) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<Context> => new RequestContext(request, reply, deps);
}
