import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** Sent SUBSCRIBE: a pub/sub connection. */
  subscriber: boolean;
  frozen: boolean;
}

type Mode = 'open' | 'cut-subscribers' | 'freeze-subscribers' | 'cut-all';

/**
 * A TCP proxy in front of Redis that can break the network for real: reset the pub/sub connections
 * (those that sent SUBSCRIBE) or all of them, or freeze pub/sub connections silently (bytes stop
 * flowing, sockets stay open: a partition nobody announces).
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private mode: Mode = 'open';

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    const server = net.createServer((client) => proxy.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    if (this.mode === 'cut-all') {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair: Pair = { client, upstream, subscriber: false, frozen: false };
    this.pairs.add(pair);
    const close = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => {
      if (!pair.subscriber && /\r\n(p|s)?subscribe\r\n/i.test(chunk.toString('latin1'))) {
        pair.subscriber = true;
        if (this.mode === 'cut-subscribers') return close();
        if (this.mode === 'freeze-subscribers') pair.frozen = true;
      }
      if (!pair.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!pair.frozen) client.write(chunk);
    });
  }

  /** Resets every pub/sub connection now, and each new one as soon as it subscribes, until restore(). */
  cutSubscribers(): void {
    this.mode = 'cut-subscribers';
    for (const pair of [...this.pairs]) if (pair.subscriber) this.destroy(pair);
  }

  /** Pub/sub connections stay open but nothing passes, either way, until restore(). */
  freezeSubscribers(): void {
    this.mode = 'freeze-subscribers';
    for (const pair of this.pairs) if (pair.subscriber) pair.frozen = true;
  }

  /** Resets every connection and refuses new ones: the store is down for whoever is behind this proxy. */
  cutAll(): void {
    this.mode = 'cut-all';
    for (const pair of [...this.pairs]) this.destroy(pair);
  }

  /** The network heals. Frozen connections stay dead (as after a real partition); new ones pass. */
  restore(): void {
    this.mode = 'open';
    for (const pair of [...this.pairs]) if (pair.frozen) this.destroy(pair);
  }

  /** Pub/sub connections currently open through the proxy. */
  get subscriberCount(): number {
    return [...this.pairs].filter((p) => p.subscriber && !p.frozen).length;
  }

  private destroy(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }

  async stop(): Promise<void> {
    for (const pair of [...this.pairs]) this.destroy(pair);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
