import { backgroundPollers } from '../../src/kernel/background';
import { Client } from 'pg';
import { Socket } from 'node:net';

/**
 * The SQL every `pg` client of this process sent while `fn` ran, in order (TypeORM's and the raw statements'
 * alike: both go through pg's Client.query). For tests that care how a request reaches PostgreSQL, e.g. that
 * verifyOtp's common case opens no transaction.
 */
export async function statementsDuring<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  // The sealer and the relay run their own transactions on timers: paused, so only the request's statements count.
  await backgroundPollers.pauseAll();
  const spy = jest.spyOn(Client.prototype, 'query');
  try {
    const result = await fn();
    const statements = spy.mock.calls.map(([query]) => (typeof query === 'string' ? query : (query as { text: string }).text).replace(/\s+/g, ' ').trim());
    return { result, statements };
  } finally {
    spy.mockRestore();
    backgroundPollers.resumeAll();
  }
}

/** A statement that opens a transaction (TypeORM's `START TRANSACTION`, or `BEGIN`). */
export const opensTransaction = (statement: string): boolean => /^(START TRANSACTION|BEGIN)\b/i.test(statement);

/**
 * How many socket writes carrying a Redis script call (EVALSHA: the counters and limits) this process made
 * while `fn` ran: a write carrying several commands (auto-pipelined) counts once.
 */
export async function counterWritesDuring<T>(fn: () => Promise<T>): Promise<{ result: T; writes: number }> {
  const spy = jest.spyOn(Socket.prototype, 'write');
  try {
    const result = await fn();
    const writes = spy.mock.calls.filter(([chunk]) => /evalsha/i.test(Buffer.isBuffer(chunk) ? chunk.toString('latin1') : String(chunk))).length;
    return { result, writes };
  } finally {
    spy.mockRestore();
  }
}
