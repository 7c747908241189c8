import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/** Set while a withTransaction callback runs (and in everything it awaits), when the guard is on. */
const openTransaction = new AsyncLocalStorage<true>();

/**
 * The transaction guard (TRANSACTION_GUARD): withTransaction marks the code it runs, so that a send inside a
 * transaction (assertNoOpenTransaction) and a transaction opened inside another fail at once.
 *
 * On by default outside production, where tests and development catch the mistakes it exists for. Off by
 * default in production: on Node.js 20 an AsyncLocalStorage, once used, runs a hook on every promise the
 * process makes, and that cost about a quarter of the CPU of a light request (`viewer { id }`) in
 * `npm run bench` (docs/performance.md). It is process-wide: the last createApp decides.
 */
let guardOn = true;

export function setTransactionGuard(on: boolean): void {
  guardOn = on;
}

export function transactionGuardOn(): boolean {
  return guardOn;
}

/**
 * Runs fn in one transaction. Helpers called inside take this `em` and never open their own: a second
 * transaction opened inside the first would wait for a second pooled connection while holding the first
 * (with a pool of one, forever), so with the guard on it is refused at once.
 */
export function withTransaction<T>(dataSource: DataSource, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  if (!guardOn) return dataSource.transaction(fn);
  if (inTransaction()) return Promise.reject(new Error('withTransaction called inside another transaction: pass its `em` down instead'));
  return openTransaction.run(true, () => dataSource.transaction(fn));
}

/**
 * Runs fn outside the withTransaction context it was called from: for work started by a hook that fires
 * during COMMIT (see the onSignedIn hooks, SessionsService.afterSignIn), which is no longer inside the transaction.
 */
export function outsideTransaction<T>(fn: () => T): T {
  return guardOn ? openTransaction.exit(fn) : fn();
}

/** True while running inside a withTransaction callback (always false with the guard off). */
export function inTransaction(): boolean {
  return guardOn && openTransaction.getStore() === true;
}

/**
 * Network calls to mail or SMS providers call this first: a send inside an open transaction would hold a
 * pooled connection (and row locks) for as long as the provider takes. See commitThenSend.
 */
export function assertNoOpenTransaction(what: string): void {
  if (inTransaction()) throw new Error(`${what} called inside a database transaction: write, commit, then send (commitThenSend)`);
}
