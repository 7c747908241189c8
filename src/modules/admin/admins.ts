import type { DataSource } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import type { Viewer, TokenScopeSubject } from '../sessions/session-types';
import { sessionState } from '../sessions/session-rows';
import { findUser } from '../users/user-rows';

/** The platform scope name an admin's aal2 tokens carry (contract, "Token claims"). */
export const ADMIN_SCOPE = 'warden:admin';

/** What requireAdmin needs of a request: its bearer's session (the GraphQL context, an HTTP route's own). */
export interface AdminRequest {
  /** UNAUTHENTICATED without a valid bearer. */
  requireViewer(): Promise<Viewer>;
  /** The API key (or its exchanged token) the request carries, when it can carry one (the GraphQL context). */
  apiKey?(): Promise<unknown>;
}

/** An admin who passed requireAdmin: their session and their (listed, verified) email. */
export interface AdminViewer extends Viewer {
  email: string;
}

export interface AdminsDeps {
  dataSource: DataSource;
  /** ADMIN_EMAILS, normalised. */
  emails: ReadonlySet<string>;
  /** REAUTH_MAX_AGE_SECONDS: how recent "recent authentication" is for an admin mutation. */
  reauthMaxAgeSeconds: number;
  now: () => Date;
}

/**
 * Who is a platform admin (contract, "Administration"): a user whose VERIFIED email is in ADMIN_EMAILS, checked on
 * every request against the user row (never the token's scope), so a changed email or a shorter list (then a
 * restart) ends the rights at once. Platform admins are unrelated to organization roles.
 */
export class Admins {
  constructor(private readonly deps: AdminsDeps) {}

  /** Whether this account is a platform admin now (its verified email is listed). */
  isAdmin(user: { email: string | null; emailVerified: boolean } | null | undefined): boolean {
    return !!user && user.emailVerified && user.email !== null && this.deps.emails.has(user.email);
  }

  /** The tokenScopes hook: warden:admin for an admin's tokens on an aal2 session, never on an impersonation one. */
  readonly tokenScope = (subject: TokenScopeSubject): readonly string[] =>
    !subject.impersonated && subject.aal === 'aal2' && this.isAdmin(subject) ? [ADMIN_SCOPE] : [];

  /**
   * The gate of every admin field, in this order: an API key or its token → FORBIDDEN API_KEY (an admin's personal
   * key is not an admin session); no bearer → UNAUTHENTICATED; an impersonation session →
   * FORBIDDEN IMPERSONATION; not an admin → FORBIDDEN NOT_ADMIN (nothing else said); an aal1 session →
   * REAUTHENTICATION_REQUIRED (requiredAal aal2); a mutation whose session did not authenticate within
   * REAUTH_MAX_AGE_SECONDS → REAUTHENTICATION_REQUIRED (maxAgeSeconds).
   */
  async requireAdmin(request: AdminRequest, options: { mutation?: boolean } = {}): Promise<AdminViewer> {
    if (request.apiKey && (await request.apiKey())) {
      throw new WardenError('FORBIDDEN', { message: 'API keys cannot do this.', extensions: { reason: 'API_KEY' } });
    }
    const viewer = await request.requireViewer();
    if (viewer.impersonatorId) {
      throw new WardenError('FORBIDDEN', { message: 'Not with an impersonation session.', extensions: { reason: 'IMPERSONATION' } });
    }
    const em = this.deps.dataSource.manager;
    const user = await findUser(em, viewer.userId);
    if (!this.isAdmin(user)) throw notAdmin();
    const session = await sessionState(em, viewer.sessionId);
    if (!session || session.revokedAt) throw new WardenError('UNAUTHENTICATED');
    const maxAgeSeconds = this.deps.reauthMaxAgeSeconds;
    if (session.aal !== 'aal2') {
      throw new WardenError('REAUTHENTICATION_REQUIRED', {
        message: 'Admin fields need a session signed in with two factors: confirm with your authenticator app or passkey.',
        extensions: { requiredAal: 'aal2', maxAgeSeconds },
      });
    }
    if (options.mutation && this.deps.now().getTime() - session.lastAuthenticatedAt.getTime() > maxAgeSeconds * 1000) {
      throw new WardenError('REAUTHENTICATION_REQUIRED', { extensions: { maxAgeSeconds } });
    }
    return { ...viewer, email: user!.email! };
  }
}

/** The same answer whatever the reason (unknown user, unverified or unlisted email): nothing about the list leaks. */
function notAdmin(): WardenError {
  return new WardenError('FORBIDDEN', { message: 'This needs a platform admin.', extensions: { reason: 'NOT_ADMIN' } });
}
