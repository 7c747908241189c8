import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface ReceivedText {
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  /** Decoded HTTP basic auth "user:password". */
  basicAuth: string | null;
}

/** A local HTTP server that speaks Twilio's Messages API (POST /2010-04-01/Accounts/{Sid}/Messages.json). */
export class TwilioFake {
  readonly texts: ReceivedText[] = [];
  /** Every request that reached the fake, failed or not. */
  requestCount = 0;
  /** Every message the SDK tried to send, including those answered with an error. */
  readonly attempts: ReceivedText[] = [];
  private failure: { status: number; code: number; message: string } | null = null;

  private constructor(
    private readonly server: http.Server,
    readonly port: number,
  ) {}

  static async start(): Promise<TwilioFake> {
    let fake!: TwilioFake;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => fake.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    fake = new TwilioFake(server, (server.address() as AddressInfo).port);
    return fake;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answer every request with this status (Twilio-style error body, optionally a given Twilio error code) until succeed() is called. */
  failWith(status: number, code = 20500, message = 'Internal Server Error'): void {
    this.failure = { status, code, message };
  }

  succeed(): void {
    this.failure = null;
  }

  textsTo(phone: string): ReceivedText[] {
    return this.texts.filter((t) => t.to === phone);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    this.requestCount += 1;
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
    const send = (status: number, payload: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (req.method !== 'POST' || !match) return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const auth = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString('utf8') : null;
    const form = new URLSearchParams(body);
    const text: ReceivedText = {
      accountSid: match[1]!,
      to: form.get('To') ?? '',
      from: form.get('From'),
      messagingServiceSid: form.get('MessagingServiceSid'),
      body: form.get('Body') ?? '',
      basicAuth: auth,
    };
    this.attempts.push(text);
    if (this.failure) {
      const { status, code, message } = this.failure;
      return send(status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
    }
    if (!auth || auth.split(':')[0] !== match[1]) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
    this.texts.push(text);
    const sid = 'SM' + randomBytes(16).toString('hex');
    send(201, {
      sid,
      account_sid: text.accountSid,
      to: text.to,
      from: text.from,
      messaging_service_sid: text.messagingServiceSid,
      body: text.body,
      status: 'queued',
      num_segments: '1',
      direction: 'outbound-api',
      api_version: '2010-04-01',
      date_created: new Date().toUTCString(),
      uri: `/2010-04-01/Accounts/${text.accountSid}/Messages/${sid}.json`,
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The code in a texted message. */
export function codeFromText(text: ReceivedText): string {
  const match = /^(\d{6,10}) is your/.exec(text.body);
  if (!match) throw new Error(`no code in text "${text.body}"`);
  return match[1]!;
}
