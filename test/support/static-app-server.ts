import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * Serves a built single-page app (unknown paths get index.html, as /auth/magic-link must) and proxies
 * /graphql to the gateway, so the app and the API share one origin, as Vite's dev/preview proxy does.
 */
export class StaticAppServer {
  /** Where /graphql goes; set once the gateway is up. */
  gatewayUrl: string | null = null;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(root: string, host = '127.0.0.1'): Promise<StaticAppServer> {
    let self!: StaticAppServer;
    const server = http.createServer((req, res) => {
      // /graphql and the gateway's provider routes (/oauth/start, /oauth/callback/:provider) go to the gateway.
      if (req.url?.startsWith('/graphql') || /^\/oauth\/(start|callback\/)/.test(req.url ?? '')) self.proxy(req, res);
      else self.serve(root, req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
    const port = (server.address() as AddressInfo).port;
    self = new StaticAppServer(server, `http://${host}:${port}`);
    return self;
  }

  private serve(root: string, req: http.IncomingMessage, res: http.ServerResponse): void {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.resolve(root, '.' + pathname);
    const inside = file.startsWith(path.resolve(root) + path.sep);
    const target = inside && fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(root, 'index.html');
    res.writeHead(200, { 'content-type': TYPES[path.extname(target)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    fs.createReadStream(target).pipe(res);
  }

  private proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.gatewayUrl) {
      res.writeHead(503).end('gateway not started');
      return;
    }
    const target = new URL(req.url!, this.gatewayUrl);
    const upstream = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
