import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { RequestMeta } from '../request-meta';
import type { Clock } from '../../kernel/clock';
import { optionalText } from '../users/identifiers';
import { isUuid } from '../organizations/organizations.service';
import { limitReached } from '../organizations/organization-rows';
import { eventTypes } from '../events/event-feed';
import { checkWebhookUrl } from './transport/url-policy';
import { newWebhookSecret } from './signing';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { WebhookSecretBox } from './webhook-secret-box';

export interface WebhookEndpointsDeps {
  dataSource: DataSource;
  audit: AuditService;
  box: WebhookSecretBox;
  clock: Clock;
  maxStringLength: number;
  maxEndpoints: number;
  rotationGraceSeconds: number;
  production: boolean;
  allowPrivateNetworks: boolean;
}

export interface CreateEndpointParams {
  organizationId: string | null;
  url: unknown;
  eventTypes?: unknown;
  description?: unknown;
}

export interface UpdateEndpointParams {
  url?: unknown;
  eventTypes?: unknown;
  description?: unknown;
  enabled?: boolean | null;
}

/** Who acts: the user (a key's creator for an organization's key); audit rows name them (meta carries the key). */
export interface EndpointActor {
  userId: string;
}

/** pg_advisory_xact_lock's first key for "endpoints of one owner" (the second is hashtext(organization id or 'global')). */
const ENDPOINTS_LOCK = 727_100_271;

/**
 * Webhook endpoints' management (contract, "Events and webhooks"). The caller's right to the endpoint (webhooks:manage
 * in its organization, or an admin for a global one) is checked by the resolver before any call here. The secret is
 * returned only by create and rotate, and kept sealed (webhook-secret-box.ts).
 */
export class WebhookEndpointsService {
  constructor(private readonly deps: WebhookEndpointsDeps) {}

  /** An endpoint by id; null for an unknown or malformed id (the resolver answers NOT_A_MEMBER for both). */
  async find(id: string): Promise<WebhookEndpointEntity | null> {
    if (!isUuid(id)) return null;
    return this.deps.dataSource.manager.findOne(WebhookEndpointEntity, { where: { id } });
  }

  /** An organization's endpoints, or the global ones (null), oldest first. */
  list(organizationId: string | null): Promise<WebhookEndpointEntity[]> {
    const qb = this.deps.dataSource.manager.createQueryBuilder(WebhookEndpointEntity, 'e');
    if (organizationId === null) qb.where('e.organizationId IS NULL');
    else qb.where('e.organizationId = :organizationId', { organizationId });
    return qb.orderBy('e.createdAt', 'ASC').addOrderBy('e.id', 'ASC').getMany();
  }

  async create(actor: EndpointActor, input: CreateEndpointParams, meta: RequestMeta): Promise<{ endpoint: WebhookEndpointEntity; secret: string }> {
    const url = this.checkUrl(input.url);
    const types = this.checkTypes(input.eventTypes ?? []);
    const description = optionalText(input.description, 'description', this.deps.maxStringLength);
    const organizationId = input.organizationId;
    const secret = newWebhookSecret();
    const id = randomUUID();
    const endpoint = await withTransaction(this.deps.dataSource, async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ENDPOINTS_LOCK, organizationId ?? 'global']);
      const count = await em
        .createQueryBuilder(WebhookEndpointEntity, 'e')
        .where(organizationId === null ? 'e.organizationId IS NULL' : 'e.organizationId = :organizationId', { organizationId })
        .getCount();
      if (count >= this.deps.maxEndpoints) {
        throw limitReached(
          'WEBHOOK_MAX_ENDPOINTS',
          `At most ${this.deps.maxEndpoints} webhook endpoints ${organizationId ? 'per organization' : 'that are global'}.`,
        );
      }
      const row = em.create(WebhookEndpointEntity, {
        id,
        organizationId,
        url,
        description,
        eventTypes: types,
        enabled: true,
        disabledReason: null,
        secret: this.deps.box.seal(id, secret),
        previousSecret: null,
        previousSecretUntil: null,
        failingSince: null,
        createdAt: this.deps.clock.now(),
      });
      await em.insert(WebhookEndpointEntity, row);
      await this.audit(em, AuditEvents.webhookEndpointCreated, actor, row, meta, { url, eventTypes: types });
      return row;
    });
    return { endpoint, secret };
  }

  /** Omitted fields stay. enabled: true re-enables and restarts the failure clock; false disables (MANUAL). */
  async update(actor: EndpointActor, endpoint: WebhookEndpointEntity, input: UpdateEndpointParams, meta: RequestMeta): Promise<WebhookEndpointEntity> {
    const changes: Partial<WebhookEndpointEntity> = {};
    if (input.url !== undefined && input.url !== null) changes.url = this.checkUrl(input.url);
    if (input.eventTypes !== undefined && input.eventTypes !== null) changes.eventTypes = this.checkTypes(input.eventTypes);
    if (input.description !== undefined) changes.description = optionalText(input.description, 'description', this.deps.maxStringLength);
    if (input.enabled === true) Object.assign(changes, { enabled: true, disabledReason: null, failingSince: null });
    if (input.enabled === false && endpoint.enabled) Object.assign(changes, { enabled: false, disabledReason: 'MANUAL' });
    return withTransaction(this.deps.dataSource, async (em) => {
      const current = await em.findOne(WebhookEndpointEntity, { where: { id: endpoint.id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw WardenError.badInput('This webhook endpoint was deleted.', 'id');
      if (Object.keys(changes).length > 0) await em.update(WebhookEndpointEntity, { id: current.id }, changes);
      const updated = { ...current, ...changes };
      await this.audit(em, AuditEvents.webhookEndpointUpdated, actor, updated, meta, { url: updated.url, changed: Object.keys(changes).sort() });
      return updated;
    });
  }

  /** Deletes the endpoint; its deliveries (pending ones too) go with it. */
  async delete(actor: EndpointActor, endpoint: WebhookEndpointEntity, meta: RequestMeta): Promise<void> {
    await withTransaction(this.deps.dataSource, async (em) => {
      await em.delete(WebhookDeliveryEntity, { endpointId: endpoint.id });
      await em.delete(WebhookEndpointEntity, { id: endpoint.id });
      await this.audit(em, AuditEvents.webhookEndpointDeleted, actor, endpoint, meta, { url: endpoint.url });
    });
  }

  /** A new secret; the old one keeps signing (a second signature) for WEBHOOK_SECRET_ROTATION_GRACE_SECONDS. */
  async rotate(actor: EndpointActor, endpoint: WebhookEndpointEntity, meta: RequestMeta): Promise<{ endpoint: WebhookEndpointEntity; secret: string }> {
    const secret = newWebhookSecret();
    const grace = this.deps.rotationGraceSeconds;
    const updated = await withTransaction(this.deps.dataSource, async (em) => {
      const current = await em.findOne(WebhookEndpointEntity, { where: { id: endpoint.id }, lock: { mode: 'pessimistic_write' } });
      if (!current) throw WardenError.badInput('This webhook endpoint was deleted.', 'id');
      const changes = {
        secret: this.deps.box.seal(current.id, secret),
        previousSecret: grace > 0 ? current.secret : null,
        previousSecretUntil: grace > 0 ? new Date(this.deps.clock.nowMs() + grace * 1000) : null,
      };
      await em.update(WebhookEndpointEntity, { id: current.id }, changes);
      await this.audit(em, AuditEvents.webhookSecretRotated, actor, current, meta, { graceSeconds: grace });
      return { ...current, ...changes };
    });
    return { endpoint: updated, secret };
  }

  /** The secrets that sign now, newest first: the current one, and the previous one during a rotation's grace. */
  signingSecrets(endpoint: Pick<WebhookEndpointEntity, 'id' | 'secret' | 'previousSecret' | 'previousSecretUntil'>): string[] {
    const secrets: string[] = [];
    const current = this.deps.box.open(endpoint.id, endpoint.secret);
    if (current) secrets.push(current);
    if (endpoint.previousSecret && endpoint.previousSecretUntil && endpoint.previousSecretUntil.getTime() > this.deps.clock.nowMs()) {
      const previous = this.deps.box.open(endpoint.id, endpoint.previousSecret);
      if (previous) secrets.push(previous);
    }
    return secrets;
  }

  private checkUrl(raw: unknown): string {
    if (typeof raw !== 'string') throw WardenError.badInput('url must be text.', 'url');
    const checked = checkWebhookUrl(raw.trim(), { production: this.deps.production, allowPrivateNetworks: this.deps.allowPrivateNetworks });
    if (checked.ok) return checked.url;
    if (checked.reason === 'UNSAFE_URL') {
      throw new WardenError('BAD_USER_INPUT', { message: checked.message, extensions: { field: 'url', reason: 'UNSAFE_URL' } });
    }
    throw WardenError.badInput(checked.message, 'url');
  }

  private checkTypes(raw: unknown): string[] {
    if (!Array.isArray(raw)) throw WardenError.badInput('eventTypes must be a list of event types.', 'eventTypes');
    const known = new Set(eventTypes());
    const unknown = raw.find((t) => typeof t !== 'string' || !known.has(t));
    if (unknown !== undefined) throw WardenError.badInput(`Unknown event type: ${String(unknown)} (see eventTypes).`, 'eventTypes');
    return [...new Set(raw as string[])].sort();
  }

  private audit(
    em: EntityManager,
    event: (typeof AuditEvents)[keyof typeof AuditEvents],
    actor: EndpointActor,
    endpoint: WebhookEndpointEntity,
    meta: RequestMeta,
    data: Record<string, unknown>,
  ): Promise<void> {
    return this.deps.audit.record(em, {
      event,
      userId: actor.userId,
      organizationId: endpoint.organizationId,
      meta,
      data: { endpointId: endpoint.id, ...data },
    });
  }
}
