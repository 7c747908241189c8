import { Client } from 'pg';

/**
 * The SQL every `pg` client of this process sent while `fn` ran, in order (TypeORM's and the raw statements'
 * alike: both go through pg's Client.query). For tests that care how a request reaches PostgreSQL, e.g. that
 * verifyOtp's common case opens no transaction.
 */
export async function statementsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const spy = jest.spyOn(Client.prototype, 'query');
  try {
    const result = await fn();
    const statements = spy.mock.calls.map(([query]) => (typeof query === 'string' ? query : (query as { text: string }).text).replace(/\s+/g, ' ').trim());
    return { result, statements };
  } finally {
    spy.mockRestore();
  }
}

/** A statement that opens a transaction (TypeORM's `START TRANSACTION`, or `BEGIN`). */
export const opensTransaction = (statement: string): boolean => /^(START TRANSACTION|BEGIN)\b/i.test(statement);
