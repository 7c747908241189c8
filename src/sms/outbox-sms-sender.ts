import type { SmsMessage, SmsSender } from './sms-sender';
import { printToStdout, saveToOutbox } from '../mail/outbox-file';

/** Development only (no Twilio settings): prints each text and keeps it in <dataDir>/outbox/. */
export class OutboxSmsSender implements SmsSender {
  constructor(
    private readonly dir: string,
    private readonly print: (line: string) => void = printToStdout,
  ) {}

  async send(message: SmsMessage): Promise<void> {
    const file = await saveToOutbox(this.dir, 'sms', message);
    this.print(`\n[dev outbox] text to ${message.to}: ${message.body}\n(saved to ${file})\n`);
  }
}
