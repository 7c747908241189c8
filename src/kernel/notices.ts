import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { Mailer } from '../mail/mailer';
import type { RenderedMail } from '../mail/templates/templates';
import type { AuditService } from '../modules/audit/audit.service';
import type { RequestMeta } from '../modules/request-meta';
import { UserEntity } from '../modules/users/user.entity';
import { assertNoOpenTransaction } from '../db/transaction';
import { WardenError } from '../errors/warden-error';

/** A notice about something that already happened to an account ("a passkey was added", "your email changed"). */
export interface Notice {
  /** Names the flow in the `delivery.failed` audit row and the log (e.g. `passkey_added_notice`). */
  flow: string;
  /** The rendered mail (src/mail/templates or the module's own *-mail.ts). */
  mail: RenderedMail;
  /** Where to send it. Default: the account's current email. null: there is nowhere to send it, nothing is sent. */
  to?: string | null;
}

export interface NoticesDeps {
  db: DataSource;
  mailer: Mailer;
  audit: AuditService;
  logger: Logger;
}

/**
 * Notices, with ONE policy for every module:
 * - sent after the transaction that made the change has committed (calling send inside a transaction is a
 *   programming error and throws, as every mail does: no network call inside a transaction);
 * - best effort: a delivery failure is audited (`delivery.failed`, with the flow and channel EMAIL, when the mail
 *   server refused) and logged, and never thrown. The change the notice tells of stands.
 * Answers whether the mail was handed over.
 */
export class Notices {
  constructor(private readonly deps: NoticesDeps) {}

  async send(userId: string, notice: Notice, meta: RequestMeta): Promise<boolean> {
    assertNoOpenTransaction('Notices');
    try {
      const to = notice.to !== undefined ? notice.to : await this.emailOf(userId);
      if (!to) return false;
      await this.deps.mailer.sendRendered(to, notice.mail);
      return true;
    } catch (error) {
      this.logFailure(error, notice.flow, userId);
      await this.deps.audit.recordDeliveryFailure(error, { flow: notice.flow, channel: 'EMAIL', userId, meta }).catch(() => undefined);
      return false;
    }
  }

  /**
   * A notice that failed: an unavailable dependency (the mail server refused, PostgreSQL down) is a warning; any
   * other error is a bug and is logged at error level. For a caller that sends a notice without awaiting it too.
   */
  logFailure(error: unknown, flow: string, userId: string): void {
    if (error instanceof WardenError && error.code === 'SERVICE_UNAVAILABLE') {
      this.deps.logger.warn({ err: error, flow, userId }, 'notice not delivered');
    } else {
      this.deps.logger.error({ err: error, flow, userId }, 'notice failed: not a delivery failure (a bug)');
    }
  }

  private async emailOf(userId: string): Promise<string | null> {
    const user = await this.deps.db.manager.findOne(UserEntity, { where: { id: userId }, select: { id: true, email: true } });
    return user?.email ?? null;
  }
}
