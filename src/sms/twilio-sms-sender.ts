import twilio from 'twilio';
import type { SmsMessage, SmsSender } from './sms-sender';
import type { TwilioConfig } from '../config/config';
import { WardenError } from '../errors/warden-error';

/** Sends through Twilio's Messages API with the official SDK. TWILIO_API_BASE_URL points it elsewhere (proxy, tests). */
export class TwilioSmsSender implements SmsSender {
  private readonly client: twilio.Twilio;

  constructor(private readonly config: TwilioConfig) {
    this.client = twilio(config.accountSid, config.authToken, { timeout: 10_000, autoRetry: false });
    if (config.apiBaseUrl) this.client.api.baseUrl = config.apiBaseUrl.replace(/\/$/, '');
  }

  async send(message: SmsMessage): Promise<void> {
    const sender = this.config.from.startsWith('MG') ? { messagingServiceSid: this.config.from } : { from: this.config.from };
    try {
      await this.client.messages.create({ to: message.to, body: message.body, ...sender });
    } catch (cause) {
      throw WardenError.unavailable('twilio', cause);
    }
  }
}
