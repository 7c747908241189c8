import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (contract, "Events and webhooks", Request). A secret is `whsec_` + base64 of 32 CSPRNG
 * bytes; a signature is `v1,` + base64 HMAC-SHA256(key, `<id>.<timestampSec>.<body>`) where key is the decoded
 * part after `whsec_`. During a rotation's grace both secrets sign, the newest first, space-separated. Checked
 * against the `standardwebhooks` package and its published vectors in signing.test.ts.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export function newWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

export function webhookSignature(secretsNewestFirst: readonly string[], id: string, timestampSec: number, body: string): string {
  if (secretsNewestFirst.length === 0) throw new TypeError('webhookSignature needs at least one secret');
  if (!Number.isInteger(timestampSec)) throw new TypeError('webhookSignature takes whole Unix seconds');
  const signed = `${id}.${timestampSec}.${body}`;
  return secretsNewestFirst.map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signed, 'utf8').digest('base64')}`).join(' ');
}
