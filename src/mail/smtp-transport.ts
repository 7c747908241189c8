import nodemailer, { type Transporter } from 'nodemailer';
import type { MailMessage, MailTransport } from './mail-transport';
import { WardenError } from '../errors/warden-error';

/** What of a nodemailer failure may be logged: the SMTP conversation's outcome, never the message. */
export function describeSmtpFailure(cause: unknown): Error {
  const e = (cause ?? {}) as { name?: unknown; message?: unknown; code?: unknown; responseCode?: unknown; command?: unknown };
  const safe = new Error(typeof e.message === 'string' ? e.message : 'SMTP delivery failed');
  safe.name = typeof e.name === 'string' ? e.name : 'SmtpError';
  return Object.assign(safe, {
    ...(typeof e.code === 'string' ? { smtpCode: e.code } : {}),
    ...(typeof e.responseCode === 'number' ? { responseCode: e.responseCode } : {}),
    ...(typeof e.command === 'string' ? { command: e.command } : {}),
  });
}

/** Sends through any SMTP server (SMTP_URL) with nodemailer, pooled. */
export class SmtpTransport implements MailTransport {
  private readonly transporter: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    timeoutMs = 10_000,
  ) {
    const url = new URL(smtpUrl);
    this.transporter = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      pool: true,
      maxConnections: 5,
      // MAIL_SEND_TIMEOUT_MS bounds each wait on the server: a stalled relay fails the send, never hangs it.
      connectionTimeout: Math.min(5000, timeoutMs),
      greetingTimeout: Math.min(5000, timeoutMs),
      socketTimeout: timeoutMs,
      // Local catchers (Mailpit, tests) speak plain SMTP; real relays negotiate STARTTLS.
      ignoreTLS: url.searchParams.get('tls') === 'off',
      tls: { rejectUnauthorized: url.searchParams.get('tls') !== 'insecure' },
    });
  }

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transporter.sendMail({ from: this.from, ...message });
    } catch (cause) {
      throw WardenError.unavailable('smtp', describeSmtpFailure(cause));
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}
