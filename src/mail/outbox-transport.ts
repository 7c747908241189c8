import type { MailMessage, MailTransport } from './mail-transport';
import { printToStdout, saveToOutbox } from './outbox-file';

/**
 * Development only (no SMTP_URL): prints each mail to stdout and keeps it in <dataDir>/outbox/.
 * Production refuses to start without SMTP_URL, so codes never reach a production log this way.
 */
export class OutboxTransport implements MailTransport {
  constructor(
    private readonly dir: string,
    private readonly print: (line: string) => void = printToStdout,
  ) {}

  async send(message: MailMessage): Promise<void> {
    const file = await saveToOutbox(this.dir, 'mail', message);
    this.print(`\n[dev outbox] mail to ${message.to}: ${message.subject}\n${message.text}\n(saved to ${file})\n`);
  }
}
