import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { AddressInfo } from 'node:net';
import { checkWebhookUrl } from './url-policy';
import { sendWebhook, WEBHOOK_LOOKUP_SLOTS, type WebhookRequest } from './send';

// A self-signed certificate for CN=localhost / 127.0.0.1 (P-256, valid to 2126): a receiver no CA vouches for.
const SELF_SIGNED_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgiEvFsX7apInlat7Z
ykGNHqxy6KJvy1K3uwlFVGJz4RGhRANCAAR7FqJbg0niW+RZ8CYoMhxmhrL9jeug
Dn9uyP5drs0vcnlgXS3BXpp6pS5rR+7rUd6WiRrNZRiJiz8mxfXdsTkO
-----END PRIVATE KEY-----`;
const SELF_SIGNED_CERT = `-----BEGIN CERTIFICATE-----
MIIBmjCCAUGgAwIBAgIUZiWKpBklWyevWHqsXgimE0P8zQgwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwNzIxMjM1M1oYDzIxMjYxMTEz
MjEyMzUzWjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAR7FqJbg0niW+RZ8CYoMhxmhrL9jeugDn9uyP5drs0vcnlgXS3BXpp6
pS5rR+7rUd6WiRrNZRiJiz8mxfXdsTkOo28wbTAdBgNVHQ4EFgQUGSIKuLiN4VPL
Y/qdO2EB990xETQwHwYDVR0jBBgwFoAUGSIKuLiN4VPLY/qdO2EB990xETQwDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDRwAwRAIgC8thJosmYj5hGoMTLg9X3l3ebIq4AToixIoTmeP+2Y8CIFOl
7aFHWlW3y5MuZJOV1HK1MKLkAazaJsFCWDG8iM2u
-----END CERTIFICATE-----`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Receiver {
  port: number;
  hits: { method: string; headers: IncomingMessage['headers']; body: string }[];
  closedSockets: () => number;
  connections: () => number;
}

const servers: Server[] = [];

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function receiver(handler: Handler, tls = false): Promise<Receiver> {
  const hits: Receiver['hits'] = [];
  let closed = 0;
  let connections = 0;
  const onRequest: Handler = (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hits.push({ method: req.method ?? '', headers: req.headers, body });
      handler(req, res);
    });
  };
  const server = tls ? createTlsServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERT }, onRequest) : createServer(onRequest);
  server.on('connection', (socket) => {
    connections++;
    socket.on('close', () => closed++);
  });
  const port = await listen(server);
  return { port, hits, closedSockets: () => closed, connections: () => connections };
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const base = { headers: { 'content-type': 'application/json', 'webhook-id': 'evt_1' }, body: '{"id":"evt_1"}', timeoutMs: 2000 };
const local = (port: number, path = '/hook'): WebhookRequest => ({ ...base, url: `http://127.0.0.1:${port}${path}`, allowPrivateNetworks: true });

/** A resolver that answers `address` for every name, counting the calls (no internet needed). */
function resolvingTo(...answers: string[]): LookupFunction & { calls: number } {
  const lookup = ((_hostname, options, callback) => {
    const address = answers[Math.min(lookup.calls, answers.length - 1)];
    lookup.calls++;
    const family = address.includes(':') ? 6 : 4;
    if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction & { calls: number };
  lookup.calls = 0;
  return lookup;
}

describe('sendWebhook', () => {
  it('posts the body and headers and answers ok with the status and body of a 2xx', async () => {
    const r = await receiver((_req, res) => res.writeHead(204).end());
    const result = await sendWebhook(local(r.port));
    expect(result).toMatchObject({ ok: true, statusCode: 204, body: '', error: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.hits).toEqual([
      expect.objectContaining({
        method: 'POST',
        body: '{"id":"evt_1"}',
        headers: expect.objectContaining({ 'webhook-id': 'evt_1', 'content-type': 'application/json' }),
      }),
    ]);
  });

  it('a body with a NUL byte or invalid UTF-8 answers U+FFFD in their place (PostgreSQL text refuses NUL)', async () => {
    const r = await receiver((_req, res) => res.writeHead(500).end(Buffer.from([0x61, 0x00, 0x62, 0xc3, 0x28, 0x00])));
    expect(await sendWebhook(local(r.port))).toMatchObject({ ok: false, statusCode: 500, error: 'http_status', body: 'a\uFFFDb\uFFFD(\uFFFD' });
  });

  it('httpsOnly (production): an http URL is blocked_address at send time unless private networks are allowed', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    const lookup = resolvingTo('93.184.216.34');
    const url = `http://hooks.example.com:${r.port}/hook`;
    expect(await sendWebhook({ ...base, url, allowPrivateNetworks: false, httpsOnly: true, lookup })).toMatchObject({ ok: false, error: 'blocked_address' });
    expect(lookup.calls).toBe(0);
    expect(await sendWebhook({ ...local(r.port), httpsOnly: true })).toMatchObject({ ok: true, statusCode: 200 });
    expect(r.hits).toHaveLength(1);
  });

  it('at most WEBHOOK_LOOKUP_SLOTS name lookups run at once (the libuv pool is shared); the others wait their turn', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    let running = 0;
    let most = 0;
    const slow: LookupFunction = (_hostname, options, callback) => {
      running++;
      most = Math.max(most, running);
      setTimeout(() => {
        running--;
        if (options.all) (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
        else callback(null, '127.0.0.1', 4);
      }, 100);
    };
    const url = `http://hooks.example.com:${r.port}/hook`;
    const results = await Promise.all(Array.from({ length: 5 }, () => sendWebhook({ ...base, url, allowPrivateNetworks: true, lookup: slow })));
    expect(results.every((x) => x.ok)).toBe(true);
    expect(most).toBe(WEBHOOK_LOOKUP_SLOTS);
  });

  it('a public-looking name resolving to 127.0.0.1 is blocked at connection time', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    const url = `http://hooks.example.com:${r.port}/hook`;
    // The URL passes the create-time check (a name, not an address) ...
    expect(checkWebhookUrl(url, { production: false, allowPrivateNetworks: false })).toMatchObject({ ok: true });
    // ... and re-resolves to loopback at delivery (DNS rebinding): refused before any byte is sent.
    const lookup = resolvingTo('127.0.0.1');
    expect(await sendWebhook({ ...base, url, allowPrivateNetworks: false, lookup })).toMatchObject({ ok: false, error: 'blocked_address', statusCode: null });
    expect(lookup.calls).toBe(1);
    expect(r.connections()).toBe(0); // refused at resolution: not even a TCP connection was made
    expect(r.hits).toHaveLength(0);
    // The same lookup with private networks allowed reaches the receiver: the refusal above came from the address.
    expect(await sendWebhook({ ...base, url, allowPrivateNetworks: true, lookup: resolvingTo('127.0.0.1') })).toMatchObject({
      ok: true,
      statusCode: 200,
      body: 'ok',
    });
    expect(r.hits).toHaveLength(1);
  });

  it('refuses a name with any internal address among its answers, and IPv4-mapped loopback', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    const mixed: LookupFunction = (_h, _o, callback) =>
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
    const url = `http://hooks.example.com:${r.port}/hook`;
    expect(await sendWebhook({ ...base, url, allowPrivateNetworks: false, lookup: mixed })).toMatchObject({ error: 'blocked_address' });
    expect(await sendWebhook({ ...base, url, allowPrivateNetworks: false, lookup: resolvingTo('::ffff:127.0.0.1') })).toMatchObject({
      error: 'blocked_address',
    });
    expect(r.connections()).toBe(0);
  });

  it('checks an IP-literal host itself (Node does not call lookup for literals)', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    const lookup = resolvingTo('93.184.216.34');
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '127.1']) {
      const result = await sendWebhook({ ...base, url: `http://${host}:${r.port}/hook`, allowPrivateNetworks: false, lookup });
      expect({ host, error: result.error }).toEqual({ host, error: 'blocked_address' });
    }
    expect(lookup.calls).toBe(0);
    expect(r.connections()).toBe(0);
  });

  it('a slow receiver times out; a huge body is cut at 1024 bytes', async () => {
    const slow = await receiver((_req, res) => {
      res.writeHead(200);
      res.write('partial'); // headers and a first byte, then nothing
    });
    const started = Date.now();
    const timedOut = await sendWebhook({ ...local(slow.port), timeoutMs: 300 });
    expect(timedOut).toMatchObject({ ok: false, error: 'timeout' });
    expect(timedOut.durationMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1500);

    let written = 0;
    const huge = await receiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'é'.repeat(4096); // 8 KiB a write, two bytes a character
      const pump = () => {
        while (written < 64 * 1024 * 1024 && !res.destroyed) {
          written += chunk.length * 2;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const cut = await sendWebhook(local(huge.port));
    expect(cut).toMatchObject({ ok: true, statusCode: 200, error: null });
    expect(cut.body).toBe('é'.repeat(512));
    expect(Buffer.byteLength(cut.body ?? '')).toBe(1024);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(huge.closedSockets()).toBe(1); // the connection was dropped, not drained
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('a 302 is not followed', async () => {
    const target = await receiver((_req, res) => res.end('followed'));
    const redirecting = await receiver((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${target.port}/hook` }).end('moved'));
    expect(await sendWebhook(local(redirecting.port))).toMatchObject({ ok: false, statusCode: 302, error: 'redirect', body: 'moved' });
    expect(target.hits).toHaveLength(0);
  });

  it('a 4xx or 5xx is http_status with its status and body', async () => {
    const r = await receiver((req, res) => res.writeHead(req.url === '/gone' ? 410 : 503).end('nope'));
    expect(await sendWebhook(local(r.port, '/gone'))).toMatchObject({ ok: false, statusCode: 410, error: 'http_status', body: 'nope' });
    expect(await sendWebhook(local(r.port))).toMatchObject({ ok: false, statusCode: 503, error: 'http_status' });
  });

  it('a refused connection is connection_failed', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    servers.splice(servers.indexOf(server), 1);
    expect(await sendWebhook(local(port))).toMatchObject({ ok: false, statusCode: null, error: 'connection_failed' });
  });

  it('a receiver that drops the connection without answering is connection_failed', async () => {
    const r = await receiver((req) => req.socket.destroy());
    expect(await sendWebhook(local(r.port))).toMatchObject({ ok: false, error: 'connection_failed' });
  });

  it('a self-signed https receiver is tls_failed, and nothing is sent to it', async () => {
    const r = await receiver((_req, res) => res.end('ok'), true);
    const result = await sendWebhook({ ...base, url: `https://localhost:${r.port}/hook`, allowPrivateNetworks: true, lookup: resolvingTo('127.0.0.1') });
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'tls_failed' });
    expect(r.hits).toHaveLength(0);
    // https to a plain-http port is a TLS failure too.
    const plain = await receiver((_req, res) => res.end('ok'));
    expect(await sendWebhook({ ...local(plain.port), url: `https://127.0.0.1:${plain.port}/hook` })).toMatchObject({ error: 'tls_failed' });
  });

  it('never throws: an unparsable URL is a failed attempt', async () => {
    await expect(sendWebhook({ ...base, url: 'not a url', allowPrivateNetworks: true })).resolves.toMatchObject({ ok: false, error: 'connection_failed' });
  });
});
