import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface ReceivedWebhook {
  /** The request's path and query (tell endpoints apart with a query: `${url}?e=1`). */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, as sent (what a signature covers). */
  raw: string;
  body: {
    id: string;
    type: string;
    timestamp: string;
    sequence: number;
    aggregateType: string;
    aggregateId: string;
    organizationId: string | null;
    data: Record<string, unknown>;
  };
  /** The status the receiver answered. */
  status: number;
  at: number;
}

/**
 * A local webhook receiver (node:http on 127.0.0.1): records every request, and answers `respond(request)` (default
 * 200, body `ok`). Tests point endpoints at `url` (with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true) and wait with `waitFor`.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  /** The status to answer (a function of the parsed request); set it to make the receiver fail. */
  respond: (request: Omit<ReceivedWebhook, 'status' | 'at'>) => number = () => 200;
  /** The body to answer, raw bytes allowed (default `ok`, or `refused <status>` for a status of 300 or more). */
  answerBody: ((status: number) => string | Buffer) | null = null;
  /** Milliseconds to wait before answering (a slow receiver keeps deliveries in flight). */
  delayMs = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(path = '/hook'): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: ReceivedWebhook['body'];
        try {
          body = JSON.parse(raw) as ReceivedWebhook['body'];
        } catch {
          body = {} as ReceivedWebhook['body'];
        }
        const request = { path: req.url ?? '', headers: req.headers, raw, body };
        const status = receiver!.respond(request);
        receiver!.received.push({ ...request, status, at: Date.now() });
        const answer = () =>
          res.writeHead(status, { 'content-type': 'text/plain' }).end(receiver!.answerBody?.(status) ?? (status >= 300 ? `refused ${status}` : 'ok'));
        if (receiver!.delayMs > 0) setTimeout(answer, receiver!.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}${path}`);
    return receiver;
  }

  /** The requests (answered 2xx or not) whose body matches, once at least `count` are there (default 10 s). */
  async waitFor(count: number, match: (r: ReceivedWebhook) => boolean = () => true, timeoutMs = 10_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.received.filter(match);
      if (hits.length >= count) return hits;
      if (Date.now() > deadline) throw new Error(`webhook receiver: ${hits.length} of ${count} requests after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Requests of one event type. */
  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.body.type === type);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
