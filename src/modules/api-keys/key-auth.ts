import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { SigningKeys } from '../../crypto/signing-keys';
import { keyedHashMatches } from '../../crypto/secret-token';
import { tableOf } from '../../db/table-of';
import { WardenError } from '../../errors/warden-error';
import type { KvStore } from '../../store/kv-store';
import type { RateLimiter } from '../rate-limits/rate-limiter';
import type { RequestMeta } from '../request-meta';
import { isUuid, type OrganizationsService } from '../organizations/organizations.service';
import type { ApiKeyEntity } from './api-key.entity';
import { looksLikeKey, parseKey, PREFIX_PATTERN } from './api-key-format';
import type { ApiKeyOwnerCheck, ApiKeyPrincipal, BearerAuthenticator } from './api-key-principal';
import { HMAC_PURPOSE } from './api-keys.service';
import type { KeyCache } from './key-cache';
import type { RevocationList } from '../sessions/revocation-list';

/** A creator's standing, remembered briefly (bounded: an account deleted is seen within this). */
interface Owner {
  live: boolean;
  role: string | null;
  /** The role's permissions, sorted, space-separated (as a claims change carries them). */
  scope: string;
  atS: number;
  loadedMs: number;
  generation: number;
}
const OWNER_TTL_MS = 5_000;

export interface KeyAuthDeps {
  dataSource: DataSource;
  cache: KeyCache;
  organizations: OrganizationsService;
  rateLimiter: RateLimiter;
  kv: KvStore;
  signingKeys: SigningKeys;
  hmacKey: Buffer;
  previousHmacKey: Buffer | null;
  issuer: string;
  audience: string;
  tokenTtlSeconds: number;
  ownerChecks: () => readonly ApiKeyOwnerCheck[];
  /** The sessions' revocation list: its claims changes tell when a remembered role went stale. */
  revocations: RevocationList;
  now: () => Date;
  onError: (error: unknown) => void;
}

export interface Exchanged {
  accessToken: string;
  expiresIn: number;
  scope: string;
}

/** Why an exchange was refused, as RFC 6749 §5.2 names it (the route maps it to its status). */
export class ExchangeRefused extends Error {
  constructor(readonly error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unauthorized_client') {
    super(error);
  }
}

const unknownKey = () => new WardenError('UNAUTHENTICATED', { message: 'This API key or token is not valid.' });
/** Compared against when the prefix names no key, so an unknown prefix costs the same HMAC. */
const DUMMY_HASH = 'x'.repeat(43);
const LAST_USED_EVERY_MS = 60_000;

/** A JWT whose payload has client_id: a token exchanged for a key (a cheap look, no signature check). */
function isMachineJwt(token: string): boolean {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first < 0 || second < 0) return false;
  try {
    return 'client_id' in JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8'));
  } catch {
    return false;
  }
}

/**
 * Using a key (contract, "API keys"): the key itself (checksum first, then one read by prefix, mostly from
 * memory, and a constant-time HMAC compare) or a token exchanged for it. At every use: the key is live, its
 * creator passes, the effective scopes are the key's ∩ the creator's permissions now, and the use counts against
 * rateLimitPerMinute. lastUsedAt is written at most once a minute per key (across instances, via the store).
 */
export class KeyAuth implements BearerAuthenticator {
  private readonly lastUsedDue = new Map<string, number>();
  private readonly owners = new Map<string, Owner>();

  constructor(private readonly deps: KeyAuthDeps) {}

  accepts(token: string): boolean {
    return looksLikeKey(token) || isMachineJwt(token);
  }

  async authenticate(token: string, meta: RequestMeta): Promise<ApiKeyPrincipal> {
    void meta;
    if (looksLikeKey(token)) {
      const key = await this.verifyKey(token);
      if (!key) throw unknownKey();
      const principal = await this.principal(key, key.scopes, null, 'key');
      if (!principal) throw unknownKey();
      await this.count(key);
      return principal;
    }
    return this.verifyToken(token);
  }

  /** The key's row when `secret` is a live key (checksum, lookup by prefix, constant-time compare); else null. */
  async verifyKey(secret: string): Promise<ApiKeyEntity | null> {
    const parsed = parseKey(secret);
    if (!parsed) return null;
    const key = await this.deps.cache.get(parsed.prefix);
    const matches = keyedHashMatches(key?.secretHash ?? DUMMY_HASH, this.deps.hmacKey, this.deps.previousHmacKey, HMAC_PURPOSE, secret);
    if (!key || !matches) return null;
    return this.isLive(key) ? key : null;
  }

  private isLive(key: ApiKeyEntity): boolean {
    if (key.revokedAt) return false;
    return !key.expiresAt || new Date(key.expiresAt).getTime() > this.deps.now().getTime();
  }

  /**
   * What the key may do now, acting in `organizationId` (its own for an organization's key; for a personal key
   * the one asked, or none); null when it answers as unknown (creator gone, banned, or no longer a member).
   */
  private async principal(key: ApiKeyEntity, scopes: readonly string[], organizationId: string | null, via: 'key' | 'token'): Promise<ApiKeyPrincipal | null> {
    const actsIn = key.organizationId ?? organizationId;
    const em = this.deps.dataSource.manager;
    const owner = await this.owner(key.createdByUserId, actsIn);
    if (!owner.live) return null;
    for (const check of this.deps.ownerChecks()) if (!(await check(em, key.createdByUserId))) return null;
    let effective = [...scopes].filter((s) => key.scopes.includes(s)).sort();
    if (actsIn !== null) {
      if (!owner.role) return null;
      const held = new Set(owner.scope.split(' '));
      effective = effective.filter((s) => held.has(s));
    }
    return {
      apiKeyId: key.id,
      prefix: key.prefix,
      organizationId: actsIn,
      userId: key.organizationId === null ? key.createdByUserId : null,
      createdByUserId: key.createdByUserId,
      // A token narrowed at the exchange (its scope claim) acts with that narrower list everywhere, never the key's.
      scopes: [...scopes].filter((s) => key.scopes.includes(s)).sort(),
      effectiveScopes: effective,
      allowedOperations: key.allowedOperations,
      via,
    };
  }

  /**
   * The creator's standing in the organization, from memory while the revocation channel is current, the entry is
   * under OWNER_TTL_MS old and no membership change of theirs there was heard since (the claims changes every
   * membership change publishes); else one read.
   */
  private async owner(userId: string, organizationId: string | null): Promise<Owner> {
    const cacheKey = `${userId} ${organizationId ?? ''}`;
    const known = this.owners.get(cacheKey);
    const revocations = this.deps.revocations;
    if (known && known.generation === revocations.generation() && Date.now() - known.loadedMs < OWNER_TTL_MS && revocations.isCurrent()) {
      const stale =
        organizationId === null
          ? false
          : revocations.claimsStaleLocally({ userId, issuedAtS: known.atS, organization: { id: organizationId, role: known.role!, scope: known.scope } });
      if (stale === false) return known;
    }
    const generation = revocations.generation();
    const current = revocations.isCurrent();
    const atS = Math.floor(this.deps.now().getTime() / 1000);
    const em = this.deps.dataSource.manager;
    const read = await this.ownerIn(em, userId, organizationId);
    const scope = read.role && organizationId ? (await this.deps.organizations.permissionsFor(organizationId, read.role, em)).join(' ') : '';
    const owner: Owner = { ...read, scope, atS, loadedMs: Date.now(), generation };
    // Only a member in good standing is remembered (a join is not announced on the channel; a refusal is rare).
    if (current && read.live && (organizationId === null || read.role !== null)) {
      if (this.owners.size >= 10_000) this.owners.clear();
      this.owners.set(cacheKey, owner);
    } else this.owners.delete(cacheKey);
    return owner;
  }

  /** One read: whether the creator's account stands, and their role in the organization (if any asked). */
  private async ownerIn(em: EntityManager, userId: string, organizationId: string | null): Promise<{ live: boolean; role: string | null }> {
    const rows: { deleted: boolean; role: string | null }[] = await em.query(
      `SELECT u.deleted_at IS NOT NULL AS deleted, m.role FROM ${tableOf(em, 'users')} u
       LEFT JOIN ${tableOf(em, 'memberships')} m ON m.user_id = u.id AND m.organization_id = $2 WHERE u.id = $1`,
      [userId, organizationId],
    );
    const row = rows[0];
    return { live: !!row && !row.deleted, role: row?.role ?? null };
  }

  /** Counts one use against the key's limit (RATE_LIMITED with retryAfter), then notes the use. */
  private async count(key: ApiKeyEntity): Promise<void> {
    await this.deps.rateLimiter.consume({ name: 'api-key', limit: key.rateLimitPerMinute, windowSeconds: 60 }, key.id);
    this.touch(key.id);
  }

  /** lastUsedAt, at most once a minute per key: this instance asks the store only when its own minute is up. */
  private touch(keyId: string): void {
    const nowMs = Date.now();
    if ((this.lastUsedDue.get(keyId) ?? 0) > nowMs) return;
    if (this.lastUsedDue.size > 10_000) this.lastUsedDue.clear();
    this.lastUsedDue.set(keyId, nowMs + LAST_USED_EVERY_MS);
    void (async () => {
      const { value } = await this.deps.kv.increment(`api-key-used:{${keyId}}`, LAST_USED_EVERY_MS / 1000);
      if (value !== 1) return;
      const em = this.deps.dataSource.manager;
      await em.query(`UPDATE ${tableOf(em, 'api_keys')} SET last_used_at = $2 WHERE id = $1`, [keyId, this.deps.now()]);
    })().catch(this.deps.onError);
  }

  /** POST /oauth/token: the key for a short-lived at+jwt (no refresh token). */
  async exchange(params: { clientId: string | null; secret: string; scope: string | null; organizationId: string | null }): Promise<Exchanged> {
    if (params.clientId !== null && !PREFIX_PATTERN.test(params.clientId)) throw new ExchangeRefused('invalid_client');
    const key = await this.verifyKey(params.secret);
    if (!key || (params.clientId !== null && params.clientId !== key.prefix)) throw new ExchangeRefused('invalid_client');
    if (key.allowedOperations.length > 0) throw new ExchangeRefused('unauthorized_client');
    if (params.organizationId !== null && (key.organizationId !== null || !isUuid(params.organizationId))) throw new ExchangeRefused('invalid_request');
    const asked = params.scope === null ? key.scopes : params.scope.split(' ').filter((s) => s !== '');
    if (asked.some((s) => !key.scopes.includes(s))) throw new ExchangeRefused('invalid_scope');
    const principal = await this.principal(key, asked, params.organizationId, 'token');
    if (!principal) throw new ExchangeRefused(params.organizationId !== null && key.organizationId === null ? 'invalid_request' : 'invalid_client');
    await this.count(key);
    const issuedAt = this.deps.now();
    const expiresAt = new Date(Math.floor(issuedAt.getTime() / 1000) * 1000 + this.deps.tokenTtlSeconds * 1000);
    const scope = principal.effectiveScopes.join(' ');
    const accessToken = await this.deps.signingKeys.sign(
      { jti: randomUUID(), client_id: key.prefix, ...(scope ? { scope } : {}), ...(principal.organizationId ? { org_id: principal.organizationId } : {}) },
      { issuer: this.deps.issuer, audience: this.deps.audience, subject: key.organizationId === null ? key.createdByUserId : key.prefix, issuedAt, expiresAt },
    );
    return { accessToken, expiresIn: this.deps.tokenTtlSeconds, scope };
  }

  /** A token exchanged for a key: valid signature and claims, and its key still live (refused at once when revoked). */
  private async verifyToken(token: string): Promise<ApiKeyPrincipal> {
    let payload: Record<string, unknown>;
    try {
      payload = await this.deps.signingKeys.verify(token, { issuer: this.deps.issuer, audience: this.deps.audience, now: this.deps.now() });
    } catch (cause) {
      throw new WardenError('UNAUTHENTICATED', { cause });
    }
    const { client_id: clientId, scope, org_id: orgId } = payload;
    if (typeof clientId !== 'string' || !PREFIX_PATTERN.test(clientId) || (orgId !== undefined && typeof orgId !== 'string')) throw unknownKey();
    const key = await this.deps.cache.get(clientId);
    if (!key || !this.isLive(key)) throw unknownKey();
    const scopes = typeof scope === 'string' ? scope.split(' ').filter((s) => s !== '') : [];
    const principal = await this.principal(key, scopes, key.organizationId === null ? ((orgId as string | undefined) ?? null) : null, 'token');
    if (!principal) throw unknownKey();
    await this.count(key);
    return principal;
  }
}
