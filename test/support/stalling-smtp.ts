import net from 'node:net';

/**
 * A TCP front for the test SMTP server. Flowing, it forwards to the inbox. stall() cuts every open connection
 * (nodemailer's pooled ones too) and from then on accepts connections but never says a word (no greeting),
 * for up to `holdMs`: an SMTP relay that hangs. flow() forwards again.
 */
export class StallingSmtp {
  private stalling = false;
  private readonly sockets = new Set<net.Socket>();
  /** Connections accepted while stalling. */
  stalledConnections = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { port: number }, holdMs = 20_000): Promise<StallingSmtp> {
    let front!: StallingSmtp;
    const server = net.createServer((client) => {
      front.track(client);
      if (front.stalling) {
        front.stalledConnections += 1;
        const timer = setTimeout(() => client.destroy(), holdMs);
        client.on('close', () => clearTimeout(timer));
        client.on('error', () => client.destroy());
        return;
      }
      const upstream = net.connect({ host: '127.0.0.1', port: target.port });
      front.track(upstream);
      for (const s of [client, upstream]) {
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    front = new StallingSmtp(server, (server.address() as net.AddressInfo).port);
    return front;
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=off`;
  }

  stall(): void {
    this.stalling = true;
    for (const s of this.sockets) s.destroy();
  }

  flow(): void {
    this.stalling = false;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
