import type { WardenModule } from '../module';
import type { OrganizationsProvides } from '../organizations';
import type { AdminProvides } from '../admin';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { webhooksDeclarations } from './webhooks.declarations';
import { WebhookEndpointFieldsResolver, WebhooksOrganizationResolver, WebhooksResolver } from './webhooks.resolver';
import { webhooksRetentionJobs } from './webhooks.retention';
import { WebhookEndpointsService } from './webhook-endpoints.service';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhookSecretBox } from './webhook-secret-box';
import { WebhookQueue } from './webhook-queue';
import { WebhookWorker } from './webhook-worker';
import { WebhookDisabling } from './webhook-disabling';

/**
 * Webhooks (issue #27, second half): endpoints (an organization's, or global), deliveries queued in the relay's
 * stamping transaction (the eventsStamped hook), a worker that shares them across gateways (FOR UPDATE SKIP LOCKED
 * and a lease), Standard Webhooks signing, retries, disabling. The SSRF-safe sender and the signing are
 * transport/ and signing.ts.
 */
export const webhooksModule: WardenModule = {
  name: 'webhooks',
  // events: the relay whose stamping transaction queues deliveries (through the eventsStamped hook, read at call
  // time); organizations: the webhooks:manage check; admin: global endpoints.
  dependsOn: ['events', 'organizations', 'admin'],
  build(kernel, peers) {
    const { organizations } = peers.of<OrganizationsProvides>('organizations');
    const { admins } = peers.of<AdminProvides>('admin');
    const settings = kernel.config.settings;
    const allowPrivateNetworks = settings.webhookAllowPrivateNetworks;
    const endpoints = new WebhookEndpointsService({
      dataSource: kernel.db,
      audit: kernel.audit,
      box: new WebhookSecretBox(kernel.keys.hmacKey, kernel.keys.previousHmacKey),
      clock: kernel.clock,
      maxStringLength: kernel.limits.maxStringLength,
      maxEndpoints: kernel.limits.webhookMaxEndpoints,
      rotationGraceSeconds: kernel.limits.webhookSecretRotationGraceSeconds,
      production: kernel.config.isProduction,
      allowPrivateNetworks,
    });
    const deliveries = new WebhookDeliveriesService({
      dataSource: kernel.db,
      audit: kernel.audit,
      endpoints,
      clock: kernel.clock,
      timeoutSeconds: kernel.limits.webhookTimeoutSeconds,
      allowPrivateNetworks,
      httpsOnly: kernel.config.isProduction,
    });
    const disabling = new WebhookDisabling({
      dataSource: kernel.db,
      clock: kernel.clock,
      audit: kernel.audit,
      events: kernel.events,
      notices: kernel.notices,
      logger: kernel.logger,
      disableAfterDays: kernel.limits.webhookDisableAfterDays,
      adminEmails: settings.adminEmails,
      productName: kernel.config.productName,
    });
    const worker = new WebhookWorker({
      dataSource: kernel.db,
      clock: kernel.clock,
      logger: kernel.logger,
      endpoints,
      disabling,
      intervalMs: kernel.limits.outboxPollIntervalMs,
      timeoutSeconds: kernel.limits.webhookTimeoutSeconds,
      retrySchedule: settings.webhookRetryScheduleSeconds,
      allowPrivateNetworks,
      httpsOnly: kernel.config.isProduction,
    });
    worker.start();
    kernel.addCleanup(() => worker.close());
    const queue = new WebhookQueue(kernel.clock);
    return {
      instances: [
        endpoints,
        deliveries,
        disabling,
        worker,
        new WebhooksResolver(endpoints, deliveries, organizations, admins),
        new WebhooksOrganizationResolver(endpoints, organizations),
        new WebhookEndpointFieldsResolver(deliveries),
      ],
      hooks: { eventsStamped: [{ queue: (em, events) => queue.queue(em, events), committed: () => worker.kick() }] },
    };
  },
  entities: [WebhookEndpointEntity, WebhookDeliveryEntity],
  resolvers: [WebhooksResolver, WebhooksOrganizationResolver, WebhookEndpointFieldsResolver],
  jobs: webhooksRetentionJobs,
  ...webhooksDeclarations,
};

export { WebhookWorker } from './webhook-worker';
