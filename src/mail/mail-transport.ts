export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** How mail leaves Warden. Throws WardenError SERVICE_UNAVAILABLE when the message cannot be handed over. */
export interface MailTransport {
  send(message: MailMessage): Promise<void>;
  close?(): Promise<void>;
}
