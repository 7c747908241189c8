import type { MailMessage, MailTransport } from './mail-transport';
import { assertNoOpenTransaction } from '../db/transaction';
import {
  accountExistsMail,
  codeMail,
  magicLinkMail,
  passkeyChangedMail,
  passwordChangedMail,
  passwordResetMail,
  securityNoticeMail,
  type CodePurpose,
  type RenderedMail,
} from './templates/templates';

const minutesUntil = (expiresAt: Date, now: Date) => Math.max(1, Math.round((expiresAt.getTime() - now.getTime()) / 60_000));

/** What Warden mails. How it is delivered is the transport's business. */
export class Mailer {
  constructor(
    private readonly transport: MailTransport,
    private readonly options: { productName: string; appUrl: string; now: () => Date },
  ) {}

  /** Every mail goes through here: never while a database transaction is open (see commitThenSend). */
  private send(message: MailMessage): Promise<void> {
    assertNoOpenTransaction('Mailer');
    return this.transport.send(message);
  }

  sendCode(to: string, purpose: CodePurpose, code: string, expiresAt: Date): Promise<void> {
    return this.send({ to, ...codeMail(this.options.productName, purpose, code, minutesUntil(expiresAt, this.options.now())) });
  }

  sendAccountExistsNotice(to: string): Promise<void> {
    return this.send({ to, ...accountExistsMail(this.options.productName, this.options.appUrl) });
  }

  sendMagicLink(to: string, link: string, expiresAt: Date): Promise<void> {
    return this.send({ to, ...magicLinkMail(this.options.productName, link, minutesUntil(expiresAt, this.options.now())) });
  }

  sendPasswordReset(to: string, code: string, link: string, expiresAt: Date): Promise<void> {
    return this.send({
      to,
      ...passwordResetMail(this.options.productName, code, link, minutesUntil(expiresAt, this.options.now())),
    });
  }

  /** A notice about the account's sign-in security (second factors, recovery codes). */
  sendSecurityNotice(to: string, title: string, body: string): Promise<void> {
    return this.send({ to, ...securityNoticeMail(this.options.productName, title, body) });
  }

  sendPasswordChanged(to: string): Promise<void> {
    return this.send({ to, ...passwordChangedMail(this.options.productName) });
  }

  sendPasskeyChanged(to: string, change: 'added' | 'removed', passkeyName: string | null): Promise<void> {
    return this.send({ to, ...passkeyChangedMail(this.options.productName, change, passkeyName) });
  }

  /** A message a capability module renders itself (e.g. src/modules/account/account-mail.ts). */
  sendRendered(to: string, mail: RenderedMail): Promise<void> {
    return this.send({ to, ...mail });
  }
}
