import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { MailMessage, MailTransport } from './mail-transport';

/**
 * Development only (no SMTP_URL): prints each mail to stdout and keeps it in <dataDir>/outbox/.
 * Production refuses to start without SMTP_URL, so codes never reach a production log this way.
 */
export class OutboxTransport implements MailTransport {
  constructor(
    private readonly dir: string,
    private readonly print: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  async send(message: MailMessage): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-mail-${randomUUID().slice(0, 8)}.json`);
    await fs.writeFile(file, JSON.stringify({ kind: 'mail', ...message }, null, 2));
    this.print(`\n[dev outbox] mail to ${message.to}: ${message.subject}\n${message.text}\n(saved to ${file})\n`);
  }
}
