import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { StringDecoder } from 'node:string_decoder';
import { isIpLiteral, isRefusedAddress } from './url-policy';

/**
 * One webhook attempt (contract, "Events and webhooks", Attempts and SSRF): a POST with no redirect followed, no
 * keep-alive, a deadline from the start of the attempt to the last byte read, and at most 1024 bytes of body
 * read. Unless `allowPrivateNetworks`, every address the name resolves to is checked when the connection is made
 * (a custom `lookup`, so a name that re-resolves to an internal address is caught), an IP-literal host is checked
 * before connecting (Node skips `lookup` for literals), and the socket's remote address is checked once connected.
 * Never throws; never logs (the headers carry signatures).
 */

export type WebhookAttemptError = 'timeout' | 'connection_failed' | 'tls_failed' | 'blocked_address' | 'redirect' | 'http_status';

export interface WebhookAttemptResult {
  ok: boolean;
  statusCode: number | null;
  body: string | null;
  error: WebhookAttemptError | null;
  durationMs: number;
}

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateNetworks: boolean;
  /**
   * Production without WEBHOOK_ALLOW_PRIVATE_NETWORKS: an http URL (stored while the flag was on) is refused at send
   * time as blocked_address, as the URL check would refuse it now.
   */
  httpsOnly?: boolean;
  /** Name resolution (default `dns.lookup`); tests inject one to make a name resolve to 127.0.0.1. */
  lookup?: LookupFunction;
}

export const WEBHOOK_BODY_MAX_BYTES = 1024;

/** Raised inside the lookup / connect checks and recognised by `classify`. */
class AttemptFailure extends Error {
  constructor(readonly kind: WebhookAttemptError) {
    super(kind);
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NODATA',
  'EPIPE',
  'EADDRNOTAVAIL',
  'ECONNABORTED',
  'ERR_INVALID_IP_ADDRESS',
]);

function classify(err: unknown, tlsStarted: boolean): WebhookAttemptError {
  if (err instanceof AttemptFailure) return err.kind;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  const library = typeof err === 'object' && err !== null && 'library' in err ? String(err.library) : '';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    code.includes('CERT') ||
    code === 'EPROTO' ||
    library.includes('SSL') ||
    /^(UNABLE_TO|SELF_SIGNED|DEPTH_ZERO|HOSTNAME_MISMATCH)/.test(code)
  ) {
    return 'tls_failed';
  }
  if (CONNECTION_CODES.has(code)) return 'connection_failed';
  // A socket that closed during the TLS handshake is a TLS failure; anything else is the connection's.
  return tlsStarted ? 'tls_failed' : 'connection_failed';
}

/**
 * `dns.lookup` runs on libuv's thread pool (4 threads, shared with file system and crypto work): at most this many
 * webhook lookups run at once per process, the others wait their turn (the attempt's deadline still applies), so
 * slow resolvers for a few receivers cannot take every pool thread.
 */
export const WEBHOOK_LOOKUP_SLOTS = 2;
let lookupsRunning = 0;
const lookupQueue: (() => void)[] = [];

function boundedLookup(resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    const run = () => {
      lookupsRunning++;
      let released = false;
      resolve(hostname, options, ((...args: unknown[]) => {
        if (!released) {
          released = true;
          lookupsRunning--;
          lookupQueue.shift()?.();
        }
        (callback as (...a: unknown[]) => void)(...args);
      }) as typeof callback);
    };
    if (lookupsRunning < WEBHOOK_LOOKUP_SLOTS) run();
    else lookupQueue.push(run);
  };
}

/** Resolves every address, refuses the lot if any one is in a refused range, then answers as asked. */
function guardedLookup(resolve: LookupFunction, allowPrivateNetworks: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list: LookupAddress[] = Array.isArray(addresses) ? addresses : [{ address: String(addresses), family: options.family === 6 ? 6 : 4 }];
      if (list.length === 0) {
        return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
      }
      if (!allowPrivateNetworks && list.some((entry) => isRefusedAddress(entry.address))) {
        return callback(new AttemptFailure('blocked_address'), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * The body as PostgreSQL text can hold it: the decoder already replaced invalid UTF-8 with U+FFFD; a NUL (valid
 * UTF-8, refused by PostgreSQL text, 22021) becomes U+FFFD too.
 */
export function storable(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\uFFFD') : text;
}

export function sendWebhook(req: WebhookRequest): Promise<WebhookAttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: WebhookAttemptError, statusCode: number | null = null, body: string | null = null) => ({
    ok: false,
    statusCode,
    body,
    error,
    durationMs: elapsed(),
  });

  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return Promise.resolve(failed('connection_failed'));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.resolve(failed('connection_failed'));
  if (req.httpsOnly && !req.allowPrivateNetworks && url.protocol !== 'https:') return Promise.resolve(failed('blocked_address'));
  if (!req.allowPrivateNetworks && isIpLiteral(url.hostname) && isRefusedAddress(url.hostname)) {
    return Promise.resolve(failed('blocked_address'));
  }

  return new Promise<WebhookAttemptResult>((resolvePromise) => {
    let settled = false;
    let tlsStarted = false;
    let request: ClientRequest | null = null;
    const finish = (result: WebhookAttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      request?.destroy();
      resolvePromise(result);
    };
    const deadline = setTimeout(() => finish(failed('timeout')), req.timeoutMs);

    const body = Buffer.from(req.body, 'utf8');
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    try {
      request = send(url, {
        method: 'POST',
        agent: false,
        lookup: guardedLookup(boundedLookup(req.lookup ?? (dnsLookup as LookupFunction)), req.allowPrivateNetworks),
        headers: {
          'user-agent': 'Warden-Webhooks',
          ...req.headers,
          'content-length': String(body.length),
          connection: 'close',
        },
      });
    } catch (err) {
      finish(failed(classify(err, false)));
      return;
    }

    request.on('socket', (socket: Socket) => {
      if (url.protocol === 'https:') socket.once('connect', () => (tlsStarted = true));
      socket.once('connect', () => {
        const remote = socket.remoteAddress;
        if (!req.allowPrivateNetworks && remote !== undefined && isRefusedAddress(remote)) {
          finish(failed('blocked_address'));
        }
      });
    });
    request.on('error', (err) => finish(failed(classify(err, tlsStarted))));
    request.on('response', (response: IncomingMessage) => readResponse(response));
    request.end(body);

    function readResponse(response: IncomingMessage) {
      const status = response.statusCode ?? 0;
      const decoder = new StringDecoder('utf8');
      let text = '';
      let bytes = 0;
      const done = () => {
        const result = storable(text);
        if (status >= 200 && status < 300) {
          finish({ ok: true, statusCode: status, body: result, error: null, durationMs: elapsed() });
        } else {
          finish(failed(status >= 300 && status < 400 ? 'redirect' : 'http_status', status, result));
        }
      };
      response.on('data', (chunk: Buffer) => {
        if (settled) return;
        const room = WEBHOOK_BODY_MAX_BYTES - bytes;
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        bytes += part.length;
        // StringDecoder holds back a character cut at the end and replaces invalid bytes with U+FFFD.
        text += decoder.write(part);
        if (bytes >= WEBHOOK_BODY_MAX_BYTES) done();
      });
      response.on('end', () => {
        if (settled) return;
        text += decoder.end();
        done();
      });
      response.on('error', (err) => finish(failed(classify(err, false), status, storable(text))));
    }
  });
}
