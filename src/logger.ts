import pino, { type Logger } from 'pino';

/** Paths redacted from every log line: passwords, codes, tokens, cookies, Authorization. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.newPassword',
  '*.code',
  '*.token',
  '*.refreshToken',
  '*.accessToken',
  'variables.*.password',
  'variables.*.newPassword',
  'variables.*.code',
  'variables.*.token',
  'variables.refreshToken',
  'variables.token',
];

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Fastify's request line without the query string: `GET /graphql?query=…&variables=…` carries whatever
 * the client put in the variables (a magic-link token from a misbehaving client or a link prefetcher).
 */
export function serializeRequest(req: LoggedRequest): Record<string, unknown> {
  const url = typeof req.url === 'string' ? req.url : '';
  const query = url.indexOf('?');
  return {
    method: req.method,
    url: query < 0 ? url : url.slice(0, query),
    ...(query < 0 ? {} : { query: '[redacted]' }),
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'warden' }, serializers: { req: serializeRequest } },
    destination,
  );
}
