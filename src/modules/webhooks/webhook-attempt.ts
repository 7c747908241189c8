import { sendWebhook, type WebhookAttemptResult } from './transport/send';
import { webhookSignature } from './signing';

/** The body of a delivery (contract, "Request"); timestamp = the event's occurredAt. */
export interface WebhookMessage {
  id: string;
  type: string;
  timestamp: Date;
  sequence: number;
  aggregateType: string;
  aggregateId: string;
  organizationId: string | null;
  data: Record<string, unknown>;
}

export interface AttemptOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /** Production: an http URL is refused at send time (unless allowPrivateNetworks). */
  httpsOnly?: boolean;
  /** Unix ms of this attempt (webhook-timestamp is its seconds). */
  nowMs: number;
  lookup?: import('node:net').LookupFunction;
}

/** The JSON body, keys in the contract's order. */
export function messageBody(message: WebhookMessage): string {
  return JSON.stringify({
    id: message.id,
    type: message.type,
    timestamp: message.timestamp.toISOString(),
    sequence: message.sequence,
    aggregateType: message.aggregateType,
    aggregateId: message.aggregateId,
    organizationId: message.organizationId,
    data: message.data,
  });
}

/**
 * One attempt: POST the body, signed afresh now (webhook-timestamp of this attempt) with every secret that signs
 * (the new one first during a rotation's grace). Never throws: a refused secret list (none opens) is a failed
 * attempt without a request.
 */
export async function attemptDelivery(
  url: string,
  secretsNewestFirst: readonly string[],
  message: WebhookMessage,
  options: AttemptOptions,
): Promise<WebhookAttemptResult> {
  const body = messageBody(message);
  const timestampSec = Math.floor(options.nowMs / 1000);
  if (secretsNewestFirst.length === 0) return { ok: false, statusCode: null, body: null, error: 'connection_failed', durationMs: 0 };
  return sendWebhook({
    url,
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Warden-Webhooks/1',
      'webhook-id': message.id,
      'webhook-timestamp': String(timestampSec),
      'webhook-signature': webhookSignature(secretsNewestFirst, message.id, timestampSec, body),
    },
    body,
    timeoutMs: options.timeoutMs,
    allowPrivateNetworks: options.allowPrivateNetworks,
    httpsOnly: options.httpsOnly,
    lookup: options.lookup,
  });
}

/** The delay before attempt `attempts + 1` (attempts already made, ≥ 1), ±10 % at random; null after the last. */
export function nextDelayMs(schedule: readonly number[], attempts: number, random: () => number = Math.random): number | null {
  const base = schedule[attempts - 1];
  if (base === undefined) return null;
  return Math.round(base * 1000 * (0.9 + 0.2 * random()));
}
