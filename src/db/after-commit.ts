import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

const pending = new WeakMap<QueryRunner, (() => void)[]>();
const pendingBefore = new WeakMap<QueryRunner, (() => Promise<void>)[]>();
const installed = new WeakSet<DataSource>();

/**
 * Runs `fn` once the transaction that `em` belongs to has committed, or at once when `em` is not in a
 * transaction. Dropped when the transaction rolls back. For side effects that must not count work that
 * never happened (metrics); never for anything that must be durable. `fn` must not throw: an exception is
 * swallowed, so that a committed write is never reported to its caller as failed.
 * Not for mail or SMS: a flow that sends about what it wrote uses commitThenSend (commit-then-send.ts), which
 * also spends the row when the send fails.
 */
export function afterCommit(em: EntityManager, fn: () => void): void {
  const runner = em.queryRunner;
  if (!runner || !runner.isTransactionActive) {
    runQuietly(fn);
    return;
  }
  installAfterCommitHooks(runner.connection);
  const list = pending.get(runner);
  if (list) list.push(fn);
  else pending.set(runner, [fn]);
}

/**
 * Runs `fn` inside the transaction that `em` belongs to, just before its COMMIT (awaited; a throw rolls the
 * transaction back and fails it), or at once when `em` is not in a transaction. For writes a hot path may fold
 * into a later statement of the same transaction (the audit rows of a sign-in), written here if none did.
 */
export async function beforeCommit(em: EntityManager, fn: () => Promise<void>): Promise<void> {
  const runner = em.queryRunner;
  if (!runner || !runner.isTransactionActive) return fn();
  installAfterCommitHooks(runner.connection);
  const list = pendingBefore.get(runner);
  if (list) list.push(fn);
  else pendingBefore.set(runner, [fn]);
}

/** A TypeORM subscriber that flushes the callbacks on the outermost COMMIT and drops them on any ROLLBACK. */
function installAfterCommitHooks(dataSource: DataSource): void {
  if (installed.has(dataSource)) return;
  installed.add(dataSource);
  const subscriber: EntitySubscriberInterface = {
    async beforeTransactionCommit({ queryRunner }) {
      if ((queryRunner as unknown as { transactionDepth: number }).transactionDepth > 1) return; // a savepoint: the outermost COMMIT runs them
      const list = pendingBefore.get(queryRunner);
      pendingBefore.delete(queryRunner);
      for (const fn of list ?? []) await fn();
    },
    afterTransactionCommit({ queryRunner }) {
      if (queryRunner.isTransactionActive) return; // a savepoint was released; the outer transaction may still roll back
      const list = pending.get(queryRunner);
      pending.delete(queryRunner);
      for (const fn of list ?? []) runQuietly(fn);
    },
    afterTransactionRollback({ queryRunner }) {
      pending.delete(queryRunner);
      pendingBefore.delete(queryRunner);
    },
  };
  dataSource.subscribers.push(subscriber);
}

function runQuietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // see afterCommit: a side effect after COMMIT must not turn a committed write into an error
  }
}
