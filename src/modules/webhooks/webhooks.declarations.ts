import type { ModuleDeclarations } from '../declaration-types';
import { parseAllowPrivateNetworks, parseRetrySchedule } from './webhook-settings';

/** What the webhooks capability adds to the shared tables (see src/modules/declaration-types.ts). */
export const webhooksDeclarations = {
  // Aggregate: the endpoint; data {endpointId, organizationId}. organizationId set for an organization's endpoint.
  events: {
    webhookEndpointDisabled: 'webhook_endpoint.disabled',
  },
  // organization_id: the endpoint's (null: global); data.endpointId, data.url (create, update), data.changed
  // (update), data.reason (disabled: FAILING); never the secret.
  auditEvents: {
    webhookEndpointCreated: 'webhook_endpoint.created',
    webhookEndpointUpdated: 'webhook_endpoint.updated',
    webhookEndpointDeleted: 'webhook_endpoint.deleted',
    webhookSecretRotated: 'webhook_endpoint.secret_rotated',
    webhookEndpointDisabled: 'webhook_endpoint.disabled',
    webhookTestSent: 'webhook_endpoint.test_sent',
    webhookDeliveryReplayed: 'webhook_delivery.replayed',
  },
  rateLimits: {
    'webhooks.create': 'default',
    'webhooks.update': 'default',
    'webhooks.delete': 'default',
    'webhooks.rotate': 'default',
    'webhooks.test': 'default',
    'webhooks.replay': 'default',
  },
  limits: {
    webhookTimeoutSeconds: {
      env: 'WEBHOOK_TIMEOUT_SECONDS',
      default: 10,
      min: 1,
      max: 30,
      doc: 'one delivery attempt, connect to last byte; longer is a failure (timeout).',
    },
    webhookDisableAfterDays: {
      env: 'WEBHOOK_DISABLE_AFTER_DAYS',
      default: 5,
      min: 1,
      max: 30,
      doc: 'an endpoint that failed every attempt for this many days is disabled (disabledReason FAILING) and its owners mailed.',
    },
    webhookSecretRotationGraceSeconds: {
      env: 'WEBHOOK_SECRET_ROTATION_GRACE_SECONDS',
      default: 86400,
      min: 0,
      max: 604800,
      doc: 'after rotateWebhookSecret, the old secret keeps signing (a second signature) for this long.',
    },
    webhookMaxEndpoints: {
      env: 'WEBHOOK_MAX_ENDPOINTS',
      default: 20,
      min: 1,
      max: 1000,
      doc: 'webhook endpoints per organization, and global ones; past it createWebhookEndpoint is FORBIDDEN LIMIT_REACHED.',
    },
  },
  settings: {
    webhookRetryScheduleSeconds: {
      env: 'WEBHOOK_RETRY_SCHEDULE_SECONDS',
      default: '5,300,1800,7200,18000,36000,36000',
      doc: 'delays before delivery attempts 2, 3… (1 to 20 comma-separated entries, each 0 to 86400, each ±10 % at random); after the last the delivery is FAILED.',
      parse: (raw: string | undefined) => parseRetrySchedule(raw),
    },
    webhookAllowPrivateNetworks: {
      env: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS',
      default: 'false',
      doc: 'true: webhook URLs may name private, loopback and link-local targets, and (production) http (a warning at start in production).',
      parse: (raw: string | undefined) => parseAllowPrivateNetworks(raw),
    },
  },
  inputBounds: { url: 2048, endpointId: 64 },
} as const satisfies ModuleDeclarations;
