export interface SmsMessage {
  /** E.164 */
  to: string;
  body: string;
}

/** How texts leave Warden. Throws WardenError SERVICE_UNAVAILABLE when the provider refuses or cannot be reached. */
export interface SmsSender {
  send(message: SmsMessage): Promise<void>;
}
