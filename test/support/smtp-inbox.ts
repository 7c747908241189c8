import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

/** A real SMTP server in the test process: nodemailer delivers to it over TCP. */
export class SmtpInbox {
  readonly mails: ReceivedMail[] = [];
  private refusing: { code: number; message: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<SmtpInbox> {
    let inbox!: SmtpInbox;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(_address, _session, callback) {
        if (inbox.refusing) {
          const err = Object.assign(new Error(inbox.refusing.message), { responseCode: inbox.refusing.code });
          return callback(err);
        }
        callback();
      },
      onData(stream, session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            inbox.mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
            });
            const waiters = inbox.waiters;
            inbox.waiters = [];
            waiters.forEach((w) => w());
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const port = (server.server.address() as AddressInfo).port;
    inbox = new SmtpInbox(server, port);
    return inbox;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}?tls=off`;
  }

  /** Refuse every recipient (e.g. 550 or 421) until accept() is called. */
  refuse(code = 550, message = 'Mailbox unavailable'): void {
    this.refusing = { code, message };
  }

  accept(): void {
    this.refusing = null;
  }

  mailsTo(address: string): ReceivedMail[] {
    return this.mails.filter((m) => m.to.includes(address.toLowerCase()));
  }

  /** The first mail to address whose subject matches (other notices, e.g. "new sign-in", may arrive around it). */
  async waitForSubject(address: string, subject: RegExp, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.mailsTo(address).find((m) => subject.test(m.subject ?? ''));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no mail to ${address} with a subject matching ${subject} within ${timeoutMs} ms`);
      await this.nextMail(deadline);
    }
  }

  /** Waits for the n-th (1-based) mail to an address. */
  async waitForMail(address: string, count = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    while (this.mailsTo(address).length < count) {
      if (Date.now() > deadline) throw new Error(`no mail #${count} to ${address} within ${timeoutMs} ms (have ${this.mailsTo(address).length})`);
      await this.nextMail(deadline);
    }
    return this.mailsTo(address)[count - 1]!;
  }

  /** Resolves when the next mail arrives (to anyone), or at the deadline. */
  private nextMail(deadline: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The 6-digit code in a code mail. */
export function codeFrom(mail: ReceivedMail): string {
  const match = /code is:\s*(\d{6,10})/.exec(mail.text);
  if (!match) throw new Error(`no code in mail "${mail.subject}"`);
  return match[1]!;
}

/** The first http(s) link in a mail's text part. */
export function linkFrom(mail: ReceivedMail): URL {
  const match = /(https?:\/\/\S+)/.exec(mail.text);
  if (!match) throw new Error(`no link in mail "${mail.subject}"`);
  return new URL(match[1]!);
}
