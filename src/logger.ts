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

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'warden' } }, destination);
}
