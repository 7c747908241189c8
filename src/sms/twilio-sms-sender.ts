import twilio from 'twilio';
import type { SmsMessage, SmsSender } from './sms-sender';
import type { TwilioConfig } from '../config/config';
import { WardenError } from '../errors/warden-error';

/** Twilio error codes that mean "this number cannot get a text", not "Twilio is down". */
const UNREACHABLE_NUMBER_CODES = new Set([
  21211, // invalid 'To' phone number
  21614, // 'To' number is not a valid mobile number
]);

/**
 * What of a Twilio SDK failure may be logged. The SDK's network errors (axios) carry the whole request:
 * the form body with the code and the Authorization header with the auth token. Only these fields survive.
 */
export function describeTwilioFailure(cause: unknown): Error {
  const e = (cause ?? {}) as { name?: unknown; message?: unknown; status?: unknown; code?: unknown; moreInfo?: unknown };
  const safe = new Error(typeof e.message === 'string' ? e.message : 'Twilio request failed');
  safe.name = typeof e.name === 'string' ? e.name : 'TwilioError';
  return Object.assign(safe, {
    ...(typeof e.status === 'number' ? { status: e.status } : {}),
    ...(typeof e.code === 'number' || typeof e.code === 'string' ? { twilioCode: e.code } : {}),
    ...(typeof e.moreInfo === 'string' ? { moreInfo: e.moreInfo } : {}),
  });
}

/** Sends through Twilio's Messages API with the official SDK. TWILIO_API_BASE_URL points it elsewhere (proxy, tests). */
export class TwilioSmsSender implements SmsSender {
  private readonly client: twilio.Twilio;

  constructor(private readonly config: TwilioConfig) {
    this.client = twilio(config.accountSid, config.authToken, { timeout: 10_000, autoRetry: false });
    if (config.apiBaseUrl) this.client.api.baseUrl = config.apiBaseUrl.replace(/\/$/, '');
  }

  async send(message: SmsMessage): Promise<void> {
    // TWILIO_FROM is a phone number, or a messaging service SID (MG…) that picks the sender itself.
    const sender = this.config.from.startsWith('MG') ? { messagingServiceSid: this.config.from } : { from: this.config.from };
    try {
      await this.client.messages.create({ to: message.to, body: message.body, ...sender });
    } catch (cause) {
      const safe = describeTwilioFailure(cause);
      const { status, twilioCode } = safe as { status?: number; twilioCode?: unknown };
      if (status === 400 && typeof twilioCode === 'number' && UNREACHABLE_NUMBER_CODES.has(twilioCode)) {
        throw new WardenError('BAD_USER_INPUT', { message: 'That phone number cannot receive text messages.', extensions: { field: 'phone' }, cause: safe });
      }
      throw WardenError.unavailable('twilio', safe);
    }
  }
}
