import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SigningKeys } from '../../crypto/signing-keys';
import { WardenError } from '../../errors/warden-error';
import { authMethods, type AuthMethod, type SessionAssurance } from './assurance';

/** The organization claims of an access token (contract, "Token claims and stale claims"). */
export interface OrganizationClaims {
  /** org_id */
  id: string;
  /** org_role: the role key. */
  role: string;
  /** scope: the organization's permissions (sorted when signed). */
  scope: readonly string[];
}

export interface AccessTokenClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
  /** auth_time, amr, aal: how the session's user last authenticated. */
  assurance: SessionAssurance;
  /** iat, epoch seconds (stale claims: a token issued before a membership change is refused). */
  issuedAtS: number;
  /** org_id, org_role, scope (space-separated): the session's active organization when issued; absent: none. */
  organization?: { id: string; role: string; scope: string };
  /** The platform part of `scope` (`warden:*` names, e.g. warden:admin), sorted; absent: none. */
  platformScope?: readonly string[];
  /** act.sub (RFC 8693 §4.1): the admin acting through an impersonation session; absent: the user themself. */
  impersonatorId?: string;
}

/** What an impersonation token adds (startImpersonation): its own end, and the acting admin. */
export interface ImpersonationClaims {
  expiresAt: Date;
  actorId: string;
}

/** Scope names Warden itself grants (never an organization permission: ORG_EXTRA_PERMISSIONS refuses them). */
export const PLATFORM_SCOPE_PREFIX = 'warden:';

interface Remembered extends AccessTokenClaims {
  expiresAtMs: number;
}

export interface AccessTokensOptions {
  issuer: string;
  /** The aud claim (ACCESS_TOKEN_AUDIENCE); tokens with another audience are refused. */
  audience: string;
  ttlSeconds: number;
  now: () => Date;
  /** The same clock in epoch ms, for the hot path (no Date per request). Default: now().getTime(). */
  nowMs?: () => number;
  /** Tokens remembered as verified, until each expires; 0: verify every time. */
  cacheMaxEntries?: number;
}

/**
 * Short-lived signed JWTs (jose; EdDSA or ES256 with kid; issuer PUBLIC_URL, audience ACCESS_TOKEN_AUDIENCE;
 * auth_time, amr and aal copied from the session, see docs/sessions.md).
 * A token that verified once is remembered (bounded LRU keyed by the exact token string) until its exp:
 * the same bytes always verify the same way, so the signature check runs once per token, not per request.
 * Revocation is not cached here: callers check the RevocationList on every request.
 */
export class AccessTokens {
  private readonly verified: LRUCache<string, Remembered> | null;
  private readonly nowMs: () => number;

  constructor(
    private readonly keys: SigningKeys,
    private readonly options: AccessTokensOptions,
  ) {
    const max = options.cacheMaxEntries ?? 10_000;
    this.verified = max > 0 ? new LRUCache<string, Remembered>({ max }) : null;
    this.nowMs = options.nowMs ?? (() => options.now().getTime());
  }

  /**
   * `organization`: the session's active organization's claims (org_id, org_role, scope); `platformScope`: scope names
   * Warden grants beside them (warden:admin); `scope` is the sorted union of both. Absent claims are left out.
   */
  async issue(
    userId: string,
    sessionId: string,
    assurance: SessionAssurance,
    organization?: OrganizationClaims | null,
    platformScope: readonly string[] = [],
    impersonation?: ImpersonationClaims,
  ): Promise<{ token: string; expiresAt: Date }> {
    const issuedAt = this.options.now();
    const issuedAtS = Math.floor(issuedAt.getTime() / 1000);
    const expiresAt = impersonation
      ? new Date(Math.floor(impersonation.expiresAt.getTime() / 1000) * 1000)
      : new Date(issuedAtS * 1000 + this.options.ttlSeconds * 1000);
    const org = organization ? { id: organization.id, role: organization.role, scope: [...organization.scope].sort().join(' ') } : undefined;
    const platform = [...platformScope].sort();
    const scope = [...(organization?.scope ?? []), ...platform].sort().join(' ');
    const token = await this.keys.sign(
      {
        sid: sessionId,
        jti: randomUUID(),
        auth_time: Math.floor(assurance.authTime.getTime() / 1000),
        amr: [...assurance.amr],
        aal: assurance.aal,
        ...(org ? { org_id: org.id, org_role: org.role } : {}),
        ...(scope ? { scope } : {}),
        ...(impersonation ? { act: { sub: impersonation.actorId } } : {}),
      },
      { issuer: this.options.issuer, audience: this.options.audience, subject: userId, issuedAt, expiresAt },
    );
    // We just signed it: its first use need not verify it.
    this.remember(token, {
      userId,
      sessionId,
      expiresAt,
      assurance,
      issuedAtS,
      ...(org ? { organization: org } : {}),
      ...(platform.length ? { platformScope: platform } : {}),
      ...(impersonation ? { impersonatorId: impersonation.actorId } : {}),
    });
    return { token, expiresAt };
  }

  /** The claims of a token that verified before and has not expired since; null when it must be verified. */
  remembered(token: string): AccessTokenClaims | null {
    const cached = this.verified?.get(token);
    if (!cached) return null;
    if (cached.expiresAtMs > this.nowMs()) return cached;
    this.verified!.delete(token);
    return null;
  }

  private remember(token: string, claims: AccessTokenClaims): void {
    this.verified?.set(token, Object.freeze({ ...claims, expiresAtMs: claims.expiresAt.getTime() }));
  }

  /** UNAUTHENTICATED for anything but a valid, unexpired token of ours. */
  async verify(token: string): Promise<AccessTokenClaims> {
    const remembered = this.remembered(token);
    if (remembered) return remembered;
    const now = this.options.now();
    let claims: AccessTokenClaims;
    try {
      const payload = await this.keys.verify(token, { issuer: this.options.issuer, audience: this.options.audience, now });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') {
        throw new Error('missing claims');
      }
      const { auth_time: authTime, amr, aal, iat, org_id: orgId, org_role: orgRole, scope, act } = payload;
      if (act !== undefined && (typeof act !== 'object' || act === null || typeof (act as { sub?: unknown }).sub !== 'string'))
        throw new Error('bad act claim');
      if (typeof authTime !== 'number' || (aal !== 'aal1' && aal !== 'aal2')) throw new Error('missing assurance claims');
      if (!Array.isArray(amr) || !amr.every((m) => (authMethods as readonly unknown[]).includes(m))) throw new Error('bad amr claim');
      if (typeof iat !== 'number') throw new Error('missing iat');
      if (scope !== undefined && typeof scope !== 'string') throw new Error('bad scope claim');
      if (orgId !== undefined && (typeof orgId !== 'string' || typeof orgRole !== 'string')) throw new Error('bad organization claims');
      const names = typeof scope === 'string' && scope ? scope.split(' ') : [];
      const platform = names.filter((n) => n.startsWith(PLATFORM_SCOPE_PREFIX));
      const orgScope = names.filter((n) => !n.startsWith(PLATFORM_SCOPE_PREFIX)).join(' ');
      claims = {
        userId: payload.sub,
        sessionId: payload.sid,
        expiresAt: new Date(payload.exp * 1000),
        assurance: { authTime: new Date(authTime * 1000), amr: amr as AuthMethod[], aal },
        issuedAtS: iat,
        ...(typeof orgId === 'string' ? { organization: { id: orgId, role: orgRole as string, scope: orgScope } } : {}),
        ...(platform.length ? { platformScope: platform } : {}),
        ...(act ? { impersonatorId: (act as { sub: string }).sub } : {}),
      };
    } catch (cause) {
      throw new WardenError('UNAUTHENTICATED', { cause });
    }
    this.remember(token, claims);
    return claims;
  }
}
