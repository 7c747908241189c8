import type { DataSource, EntityManager } from 'typeorm';
import { IsNull } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { keyedHash } from '../../crypto/secret-token';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { RequestMeta } from '../request-meta';
import { requiredText } from '../users/identifiers';
import { isUuid, notAMember, permissionRequired, type OrganizationsService } from '../organizations/organizations.service';
import type { PermissionCatalog } from '../organizations/permissions';
import { ApiKeyEntity } from './api-key.entity';
import { generateKey } from './api-key-format';
import type { KeyCache } from './key-cache';
import { EventTypes, type EventOutbox } from '../events/outbox';
import { membershipIn, type MembershipEntity } from './memberships';

export interface ApiKeysDeps {
  dataSource: DataSource;
  audit: AuditService;
  events: EventOutbox;
  organizations: OrganizationsService;
  catalog: PermissionCatalog;
  cache: KeyCache;
  hmacKey: Buffer;
  maxStringLength: number;
  maxPerOwner: number;
  maxRatePerMinute: number;
  now: () => Date;
}

export interface CreateApiKeyParams {
  organizationId?: string | null;
  name: unknown;
  scopes: unknown;
  expiresAt?: Date | null;
  allowedOperations?: unknown;
  rateLimitPerMinute?: number | null;
}

export const HMAC_PURPOSE = 'api-key';
const SHA256_HEX = /^[0-9a-f]{64}$/;
const MAX_ALLOWED_OPERATIONS = 100;
const MAX_OVERLAP_SECONDS = 604800;

/** Who manages keys: the signed-in viewer; an impersonation session may not (contract, "Administration"). */
export interface KeyManager {
  userId: string;
  impersonatorId?: string;
}

function refuseImpersonation(viewer: KeyManager): void {
  if (viewer.impersonatorId) throw new WardenError('FORBIDDEN', { message: 'Not with an impersonation session.', extensions: { reason: 'IMPERSONATION' } });
}

function limitReached(limit: number): WardenError {
  return new WardenError('FORBIDDEN', { message: `At most ${limit} live API keys per owner.`, extensions: { reason: 'LIMIT_REACHED', limit } });
}

/**
 * API keys' management (contract, "API keys"): create, rotate, revoke, list. The secret is returned once and kept
 * only as an HMAC under a key from WARDEN_SECRET; every check reads memberships from the database now.
 */
export class ApiKeysService {
  constructor(private readonly deps: ApiKeysDeps) {}

  /** The live (unrevoked) keys of an organization or of a user's own (personal), newest first; expired ones too. */
  list(owner: { organizationId: string } | { userId: string }): Promise<ApiKeyEntity[]> {
    const where =
      'organizationId' in owner
        ? { organizationId: owner.organizationId, revokedAt: IsNull() }
        : { createdByUserId: owner.userId, organizationId: IsNull(), revokedAt: IsNull() };
    return this.deps.dataSource.manager.find(ApiKeyEntity, { where, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  async create(viewer: KeyManager, input: CreateApiKeyParams, meta: RequestMeta): Promise<{ key: ApiKeyEntity; secret: string }> {
    refuseImpersonation(viewer);
    const name = requiredText(input.name, 'name', this.deps.maxStringLength);
    const scopes = this.checkScopes(input.scopes, input.organizationId != null);
    const allowedOperations = this.checkOperations(input.allowedOperations);
    const now = this.deps.now();
    if (input.expiresAt != null && !(input.expiresAt.getTime() > now.getTime())) throw WardenError.badInput('expiresAt must be in the future.', 'expiresAt');
    const rate = input.rateLimitPerMinute ?? this.deps.maxRatePerMinute;
    if (!Number.isInteger(rate) || rate < 1 || rate > this.deps.maxRatePerMinute) {
      throw WardenError.badInput(`rateLimitPerMinute is 1 to ${this.deps.maxRatePerMinute}.`, 'rateLimitPerMinute');
    }
    const organizationId = input.organizationId ?? null;
    if (organizationId !== null && !isUuid(organizationId)) throw notAMember();
    return withTransaction(this.deps.dataSource, async (em) => {
      await this.lockOwner(em, organizationId ?? viewer.userId);
      if (organizationId !== null) await this.requireManager(em, viewer.userId, organizationId, scopes);
      const live = await this.countLive(em, organizationId, viewer.userId);
      if (live >= this.deps.maxPerOwner) throw limitReached(this.deps.maxPerOwner);
      return this.insert(
        em,
        {
          name,
          organizationId,
          createdByUserId: viewer.userId,
          scopes,
          allowedOperations,
          rateLimitPerMinute: rate,
          expiresAt: input.expiresAt ?? null,
          rotatedFromId: null,
        },
        meta,
      );
    });
  }

  /** A new key with the same settings; the old one expires after overlapSeconds (0: now). */
  async rotate(viewer: KeyManager, id: string, overlapSeconds: number, meta: RequestMeta): Promise<{ key: ApiKeyEntity; secret: string }> {
    refuseImpersonation(viewer);
    if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_OVERLAP_SECONDS) {
      throw WardenError.badInput(`overlapSeconds is 0 to ${MAX_OVERLAP_SECONDS}.`, 'overlapSeconds');
    }
    const result = await withTransaction(this.deps.dataSource, async (em) => {
      const old = await this.managedKey(em, viewer.userId, id);
      if (old.organizationId !== null) await this.requireManager(em, viewer.userId, old.organizationId, old.scopes);
      const now = this.deps.now();
      if (old.expiresAt && old.expiresAt.getTime() <= now.getTime()) throw WardenError.badInput('This key has expired: create a new one.', 'id');
      const ends = new Date(now.getTime() + overlapSeconds * 1000);
      if (!old.expiresAt || old.expiresAt.getTime() > ends.getTime()) await em.update(ApiKeyEntity, { id: old.id }, { expiresAt: ends });
      const fresh = await this.insert(
        em,
        {
          name: old.name,
          organizationId: old.organizationId,
          createdByUserId: viewer.userId,
          scopes: old.scopes,
          allowedOperations: old.allowedOperations,
          rateLimitPerMinute: old.rateLimitPerMinute,
          expiresAt: old.expiresAt,
          rotatedFromId: old.id,
        },
        meta,
      );
      return { ...fresh, oldPrefix: old.prefix };
    });
    await this.deps.cache.changed([result.oldPrefix]);
    return { key: result.key, secret: result.secret };
  }

  /** Refused at once on every instance, its exchanged tokens too. */
  async revoke(viewer: KeyManager, id: string, meta: RequestMeta): Promise<void> {
    refuseImpersonation(viewer);
    const prefix = await withTransaction(this.deps.dataSource, async (em) => {
      const key = await this.managedKey(em, viewer.userId, id);
      await em.update(ApiKeyEntity, { id: key.id }, { revokedAt: this.deps.now() });
      await this.deps.audit.record(em, { event: AuditEvents.apiKeyRevoked, userId: viewer.userId, meta, data: this.auditData(key) });
      await this.emit(em, EventTypes.apiKeyRevoked, key);
      return key.prefix;
    });
    await this.deps.cache.changed([prefix]);
  }

  private auditData(key: ApiKeyEntity): Record<string, unknown> {
    return { apiKeyId: key.id, prefix: key.prefix, organizationId: key.organizationId, scopes: key.scopes, rotatedFromId: key.rotatedFromId };
  }

  private async insert(
    em: EntityManager,
    fields: Omit<ApiKeyEntity, 'id' | 'prefix' | 'secretHash' | 'createdAt' | 'lastUsedAt' | 'revokedAt'>,
    meta: RequestMeta,
  ) {
    const { prefix, key: secret } = generateKey();
    const row = em.create(ApiKeyEntity, { ...fields, prefix, secretHash: keyedHash(this.deps.hmacKey, HMAC_PURPOSE, secret), createdAt: this.deps.now() });
    const key = await em.save(row);
    const event = fields.rotatedFromId ? AuditEvents.apiKeyRotated : AuditEvents.apiKeyCreated;
    await this.deps.audit.record(em, { event, userId: fields.createdByUserId, meta, data: this.auditData(key) });
    await this.emit(em, EventTypes.apiKeyCreated, key);
    return { key, secret };
  }

  /** api_key.created / api_key.revoked, in the change's transaction (the outbox). */
  private emit(em: EntityManager, type: typeof EventTypes.apiKeyCreated | typeof EventTypes.apiKeyRevoked, key: ApiKeyEntity): Promise<void> {
    return this.deps.events.emit(em, {
      type,
      aggregateType: key.organizationId ? 'organization' : 'user',
      aggregateId: key.organizationId ?? key.createdByUserId,
      organizationId: key.organizationId,
      data: {
        apiKeyId: key.id,
        prefix: key.prefix,
        organizationId: key.organizationId,
        createdByUserId: key.createdByUserId,
        scopes: key.scopes,
        rotatedFromId: key.rotatedFromId,
      },
    });
  }

  /** An unrevoked key the viewer may manage: their personal key, or one of an organization where they hold api_keys:manage. */
  private async managedKey(em: EntityManager, userId: string, id: string): Promise<ApiKeyEntity> {
    const key = isUuid(id) ? await em.findOne(ApiKeyEntity, { where: { id, revokedAt: IsNull() }, lock: { mode: 'pessimistic_write' } }) : null;
    if (!key) throw notAMember();
    if (key.organizationId === null) {
      if (key.createdByUserId !== userId) throw notAMember();
      return key;
    }
    const [member] = await this.membershipsIn(em, userId, key.organizationId);
    await this.deps.organizations.require(member, 'api_keys:manage', em);
    return key;
  }

  private async membershipsIn(em: EntityManager, userId: string, organizationId: string): Promise<[MembershipEntity | null]> {
    return [await membershipIn(em, userId, organizationId)];
  }

  /** api_keys:manage there, and every scope of the key held by the viewer now (the first missing, sorted). */
  private async requireManager(em: EntityManager, userId: string, organizationId: string, scopes: readonly string[]): Promise<void> {
    const [member] = await this.membershipsIn(em, userId, organizationId);
    const manager = await this.deps.organizations.require(member, 'api_keys:manage', em);
    const held = new Set(await this.deps.organizations.permissionsOf(manager, em));
    const missing = [...scopes].sort().find((s) => !held.has(s));
    if (missing) throw permissionRequired(missing);
  }

  private checkScopes(raw: unknown, organizationKey: boolean): string[] {
    if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'string')) throw WardenError.badInput('scopes is a list of permissions.', 'scopes');
    const scopes = [...new Set(raw as string[])].sort();
    const bad = scopes.find((s) => s === 'org:delete' || !this.deps.catalog.isPermission(s));
    if (bad !== undefined) throw WardenError.badInput(`${bad} is not a permission a key can hold.`, 'scopes');
    if (organizationKey && scopes.length === 0) throw WardenError.badInput("An organization's key needs at least one scope.", 'scopes');
    return scopes;
  }

  private checkOperations(raw: unknown): string[] {
    if (raw == null) return [];
    if (!Array.isArray(raw) || raw.length > MAX_ALLOWED_OPERATIONS || raw.some((h) => typeof h !== 'string' || !SHA256_HEX.test(h))) {
      throw WardenError.badInput(`allowedOperations holds at most ${MAX_ALLOWED_OPERATIONS} lower-hex SHA-256 strings.`, 'allowedOperations');
    }
    return [...new Set(raw as string[])];
  }

  /** One creation at a time per owner, so the count holds (a transaction-scoped advisory lock). */
  private async lockOwner(em: EntityManager, ownerId: string): Promise<void> {
    await em.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`api-keys:${ownerId}`]);
  }

  private countLive(em: EntityManager, organizationId: string | null, userId: string): Promise<number> {
    const qb = em
      .createQueryBuilder(ApiKeyEntity, 'k')
      .where('k.revoked_at IS NULL')
      .andWhere('(k.expires_at IS NULL OR k.expires_at > :now)', { now: this.deps.now() });
    if (organizationId !== null) qb.andWhere('k.organization_id = :organizationId', { organizationId });
    else qb.andWhere('k.organization_id IS NULL').andWhere('k.created_by_user_id = :userId', { userId });
    return qb.getCount();
  }
}
