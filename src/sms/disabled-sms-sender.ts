import type { SmsMessage, SmsSender } from './sms-sender';
import { WardenError } from '../errors/warden-error';

/**
 * Production without TWILIO_* settings: texts are refused (SERVICE_UNAVAILABLE) rather than printed,
 * so a code can never end up in a production log. The request's transaction rolls back as for any failed send.
 */
export class DisabledSmsSender implements SmsSender {
  async send(_message: SmsMessage): Promise<void> {
    throw WardenError.unavailable('sms', new Error('SMS is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM'));
  }
}
