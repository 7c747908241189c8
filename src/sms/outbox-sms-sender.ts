import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { SmsMessage, SmsSender } from './sms-sender';

/** Development only (no Twilio settings): prints each text and keeps it in <dataDir>/outbox/. */
export class OutboxSmsSender implements SmsSender {
  constructor(
    private readonly dir: string,
    private readonly print: (line: string) => void = (line) => process.stdout.write(line + '\n'),
  ) {}

  async send(message: SmsMessage): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    const file = path.join(this.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-sms-${randomUUID().slice(0, 8)}.json`);
    await fs.writeFile(file, JSON.stringify({ kind: 'sms', ...message }, null, 2));
    this.print(`\n[dev outbox] text to ${message.to}: ${message.body}\n(saved to ${file})\n`);
  }
}
