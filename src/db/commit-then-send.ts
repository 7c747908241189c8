import type { DataSource, EntityManager } from 'typeorm';
import { withTransaction } from './transaction';

export interface CommitThenSend<W> {
  /** Writes what the message refers to (challenge, token, audit rows). No network call here: the transaction is open. */
  write: (em: EntityManager) => Promise<W>;
  /** Runs after COMMIT, outside any transaction: the mail or SMS. */
  send: (written: W) => Promise<void>;
  /**
   * Runs when send fails, in its own short statement: marks what was written spent, so nothing usable is left
   * behind. Its own failure is swallowed (the send error is what the caller sees; the row expires anyway).
   */
  spend: (em: EntityManager, written: W) => Promise<void>;
  /** Runs after a successful send, in its own short statement (e.g. void older links this one replaces). */
  afterSent?: (em: EntityManager, written: W) => Promise<void>;
}

/**
 * The one way a flow sends mail or SMS about something it stores: write in a short transaction, COMMIT, send
 * with no transaction open, and when the send fails mark the row spent and rethrow (SERVICE_UNAVAILABLE from
 * the transport). A slow or stalled provider therefore never holds a database connection or a row lock.
 * Mailer and the SMS path refuse to run inside withTransaction (assertNoOpenTransaction), so a send placed in
 * `write` fails loudly in every test instead of silently holding a connection in production.
 */
export async function commitThenSend<W>(dataSource: DataSource, steps: CommitThenSend<W>): Promise<W> {
  const written = await withTransaction(dataSource, steps.write);
  try {
    await steps.send(written);
  } catch (error) {
    await steps.spend(dataSource.manager, written).catch(() => undefined);
    throw error;
  }
  if (steps.afterSent) await steps.afterSent(dataSource.manager, written);
  return written;
}
