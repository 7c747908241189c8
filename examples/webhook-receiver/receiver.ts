// A service beside Warden that receives its webhooks (Standard Webhooks) and applies each event once, in order.
// Plain node:http and the `standardwebhooks` package; main.ts runs it, test/flows/webhook-receiver-example.test.ts
// drives it. State is in memory here: a real service keeps `seen` and `lastSequence` in its own database, written in
// the same transaction as the change the event causes.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** The body Warden posts (contract, "Events and webhooks", Request). */
export interface WardenEvent {
  id: string;
  type: string;
  timestamp: string;
  sequence: number;
  aggregateType: string;
  aggregateId: string;
  organizationId: string | null;
  data: Record<string, unknown>;
}

export interface ReceiverOptions {
  /** The endpoint's secret as Warden showed it (`whsec_…`). */
  secret: string;
  port?: number;
  host?: string;
  /** Called for each event applied (default: one JSON line on stdout). */
  onEvent?: (event: WardenEvent) => void;
}

export interface Receiver {
  url: string;
  /** Events applied, in the order they were applied. */
  applied: WardenEvent[];
  close(): Promise<void>;
}

// standardwebhooks refuses a `webhook-timestamp` more than 5 minutes from now (either way); an id is remembered
// a little longer than that, so a replay is either refused by its timestamp or caught as a duplicate.
const TOLERANCE_SECONDS = 5 * 60;
const MAX_BODY_BYTES = 1024 * 1024;

function answer(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebhookReceiver(options: ReceiverOptions): Promise<Receiver> {
  const webhook = new Webhook(options.secret);
  const onEvent = options.onEvent ?? ((event) => process.stdout.write(`${JSON.stringify(event)}\n`));
  const seen = new Map<string, number>(); // webhook-id → when it was first accepted (Unix seconds)
  const lastSequence = new Map<string, number>(); // "<aggregateType>:<aggregateId>" → last sequence applied
  const applied: WardenEvent[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST') return answer(res, 405, 'POST only');
    const body = await readBody(req);
    if (body === null) return answer(res, 413, 'body too large');
    const id = req.headers['webhook-id'];
    const timestamp = req.headers['webhook-timestamp'];
    const signature = req.headers['webhook-signature'];
    if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signature !== 'string') {
      return answer(res, 400, 'missing webhook-id, webhook-timestamp or webhook-signature');
    }

    // 1. Authentic and fresh: the signature covers id, timestamp and body; a stale timestamp is refused.
    let event: WardenEvent;
    try {
      const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
      event = webhook.verify(body, headers) as WardenEvent;
    } catch {
      return answer(res, 401, 'bad signature or timestamp');
    }

    // 2. At least once: a delivery seen before is acknowledged and not applied again.
    const now = Math.floor(Date.now() / 1000);
    for (const [seenId, at] of seen) if (at < now - 2 * TOLERANCE_SECONDS) seen.delete(seenId);
    if (seen.has(id)) return answer(res, 200, 'duplicate');
    seen.set(id, now);

    // 3. Unordered: an event not newer than the last one applied for its aggregate is skipped.
    const aggregate = `${event.aggregateType}:${event.aggregateId}`;
    if (event.sequence <= (lastSequence.get(aggregate) ?? 0)) return answer(res, 200, 'stale');
    lastSequence.set(aggregate, event.sequence);
    applied.push(event);
    onEvent(event);
    answer(res, 200, 'applied');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => answer(res, 500, 'receiver error'));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(':') ? `[${address}]` : address}:${port}/`,
    applied,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
