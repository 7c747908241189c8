import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The SHA-1 of a password, upper-case hex, as the range API splits it. */
export function sha1Hex(password: string): { hex: string; prefix: string; suffix: string } {
  const hex = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  return { hex, prefix: hex.slice(0, 5), suffix: hex.slice(5) };
}

export interface RangeRequest {
  path: string;
  headers: IncomingMessage['headers'];
}

/**
 * A stand-in for the Pwned Passwords range API (https://haveibeenpwned.com/API/v3#PwnedPasswords) on 127.0.0.1:
 * GET /range/<5 hex> answers `SUFFIX:COUNT` lines for the passwords it was told are breached, plus padding
 * entries with a count of 0 (as the real API does with `Add-Padding: true`). `mode` makes it hang or fail.
 */
export class PwnedPasswordsFake {
  readonly requests: RangeRequest[] = [];
  /** hang: no answer at all; stall: the headers and a first line, then nothing; error: a 500. */
  mode: 'ok' | 'hang' | 'stall' | 'error' = 'ok';
  private readonly breached = new Map<string, Map<string, number>>();
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<PwnedPasswordsFake> {
    let fake!: PwnedPasswordsFake;
    const server = createServer((req, res) => fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    fake = new PwnedPasswordsFake(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  /** Lists the password's suffix under its prefix with `count` (0: a padding-like entry, not a breach). */
  add(password: string, count = 42): void {
    const { prefix, suffix } = sha1Hex(password);
    if (!this.breached.has(prefix)) this.breached.set(prefix, new Map());
    this.breached.get(prefix)!.set(suffix, count);
  }

  requestsFor(password: string): RangeRequest[] {
    const { prefix } = sha1Hex(password);
    return this.requests.filter((r) => r.path === `/range/${prefix}`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requests.push({ path: req.url ?? '', headers: req.headers });
    if (this.mode === 'hang') {
      this.hanging.add(res);
      return;
    }
    if (this.mode === 'stall') {
      this.hanging.add(res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(`${'0'.repeat(35)}:1\r\n`);
      return;
    }
    if (this.mode === 'error') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('oops');
      return;
    }
    const match = /^\/range\/([0-9A-F]{5})$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match) {
      res.writeHead(400).end('The hash prefix was not in a valid format');
      return;
    }
    const lines = [...(this.breached.get(match[1]!) ?? new Map<string, number>())].map(([suffix, count]) => `${suffix}:${count}`);
    if (req.headers['add-padding'] === 'true') {
      for (let i = 0; i < 50; i++) lines.push(`${randomBytes(18).toString('hex').slice(0, 35).toUpperCase()}:0`);
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
