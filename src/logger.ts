import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

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

/**
 * Fastify logs `req` on every request. Its default keeps the query string, and a GET /graphql carries
 * the document and its variables there, so only the path is logged.
 */
function requestSerializer(req: { method?: string; url?: string; ip?: string; socket?: { remotePort?: number } }) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? req.url.split('?')[0] : undefined,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

export interface LoggerOptions {
  /** One readable, coloured line per event (pino-pretty): development on a terminal only. Default: JSON. */
  pretty?: boolean;
}

/** Redaction and serializers apply before either output, so pretty lines hide the same fields as JSON. */
export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  const output =
    destination ??
    (options.pretty ? pretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true }) : undefined);
  return pino(
    {
      level,
      redact: { paths: redactPaths, censor: '[redacted]' },
      base: { service: 'warden' },
      serializers: { req: requestSerializer },
    },
    output,
  );
}
