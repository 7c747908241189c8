import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/** Set while a withTransaction callback runs (and in everything it awaits). */
const openTransaction = new AsyncLocalStorage<true>();

/**
 * Runs fn in one transaction. Helpers called inside take this `em` and never open their own: a second
 * transaction opened inside the first would wait for a second pooled connection while holding the first
 * (with a pool of one, forever), so it is refused at once.
 */
export function withTransaction<T>(dataSource: DataSource, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  if (inTransaction()) return Promise.reject(new Error('withTransaction called inside another transaction: pass its `em` down instead'));
  return openTransaction.run(true, () => dataSource.transaction(fn));
}

/**
 * Runs fn outside the withTransaction context it was called from: for work started by a hook that fires
 * during COMMIT (see SessionsService.addSignInListener), which is no longer inside the transaction.
 */
export function outsideTransaction<T>(fn: () => T): T {
  return openTransaction.exit(fn);
}

/** True while running inside a withTransaction callback. */
export function inTransaction(): boolean {
  return openTransaction.getStore() === true;
}

/**
 * Network calls to mail or SMS providers call this first: a send inside an open transaction would hold a
 * pooled connection (and row locks) for as long as the provider takes. See commitThenSend.
 */
export function assertNoOpenTransaction(what: string): void {
  if (inTransaction()) throw new Error(`${what} called inside a database transaction: write, commit, then send (commitThenSend)`);
}
