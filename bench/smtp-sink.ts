import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

/**
 * An SMTP server inside the bench process: accepts every mail the gateway sends and keeps only the
 * latest code per recipient (the bench needs codes to sign in). No MIME parsing: a regex over the raw
 * text part, so the sink costs little CPU next to the gateway.
 */
export class SmtpSink {
  accepted = 0;
  private readonly codes = new Map<string, string>();
  private readonly waiters = new Map<string, () => void>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpSink> {
    let sink!: SmtpSink;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      size: 1024 * 1024,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          sink.accepted += 1;
          const to = session.envelope.rcptTo[0]?.address.toLowerCase();
          const match = /code is:\s*(\d{6,10})/.exec(Buffer.concat(chunks).toString('latin1'));
          if (to && match) {
            sink.codes.set(to, match[1]!);
            sink.waiters.get(to)?.();
          }
          callback();
        });
      },
    });
    // A gateway stopped mid-run (the cost-10 and captcha-overhead gateways) may drop its pooled SMTP connections:
    // a reset connection is the client's business, not a reason to end the bench.
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    sink = new SmtpSink(server, (server.server.address() as AddressInfo).port);
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=off`;
  }

  /** The latest code mailed to an address, waiting for it if it has not arrived yet. Each code is handed out once. */
  async takeCode(address: string, timeoutMs = 15_000): Promise<string> {
    const key = address.toLowerCase();
    if (!this.codes.has(key)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiters.delete(key);
          reject(new Error(`no code mailed to ${address} within ${timeoutMs} ms`));
        }, timeoutMs);
        this.waiters.set(key, () => {
          clearTimeout(timer);
          this.waiters.delete(key);
          resolve();
        });
      });
    }
    const code = this.codes.get(key)!;
    this.codes.delete(key);
    return code;
  }

  /** Forget codes nobody will ask for (the login scenarios mail thousands). */
  clear(): void {
    this.codes.clear();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
