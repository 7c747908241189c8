import type { DataSource, EntityManager } from 'typeorm';
import { commitThenSend } from './commit-then-send';
import { assertNoOpenTransaction, inTransaction, withTransaction } from './transaction';
import { Mailer } from '../mail/mailer';

/** A stand-in DataSource that records BEGIN/COMMIT/ROLLBACK around the callback. */
function fakeDataSource(log: string[]): DataSource {
  const manager = { name: 'manager' } as unknown as EntityManager;
  return {
    manager,
    async transaction<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
      log.push('BEGIN');
      try {
        const result = await fn({ name: 'tx' } as unknown as EntityManager);
        log.push('COMMIT');
        return result;
      } catch (error) {
        log.push('ROLLBACK');
        throw error;
      }
    },
  } as unknown as DataSource;
}

describe('commitThenSend', () => {
  test('writes and commits, then sends outside the transaction, then runs afterSent', async () => {
    const log: string[] = [];
    const result = await commitThenSend(fakeDataSource(log), {
      write: async () => {
        log.push(`write inTransaction=${inTransaction()}`);
        return 'row';
      },
      send: async (row) => {
        log.push(`send ${row} inTransaction=${inTransaction()}`);
      },
      spend: async () => {
        log.push('spend');
      },
      afterSent: async () => {
        log.push('afterSent');
      },
    });
    expect(result).toBe('row');
    expect(log).toEqual(['BEGIN', 'write inTransaction=true', 'COMMIT', 'send row inTransaction=false', 'afterSent']);
  });

  test('a failed send spends what was written (outside the transaction) and rethrows', async () => {
    const log: string[] = [];
    const failure = new Error('smtp down');
    await expect(
      commitThenSend(fakeDataSource(log), {
        write: async () => 'row',
        send: async () => {
          throw failure;
        },
        spend: async (em, row) => {
          log.push(`spend ${row} with ${(em as unknown as { name: string }).name}`);
        },
        afterSent: async () => {
          log.push('afterSent');
        },
      }),
    ).rejects.toBe(failure);
    expect(log).toEqual(['BEGIN', 'COMMIT', 'spend row with manager']);
  });

  test('Mailer refuses to send inside withTransaction', async () => {
    const sent: unknown[] = [];
    const mailer = new Mailer({ send: async (m) => void sent.push(m) }, { productName: 'Warden', appUrl: 'http://app.test', now: () => new Date() });
    await expect(withTransaction(fakeDataSource([]), () => mailer.sendPasswordChanged('a@example.com'))).rejects.toThrow(/inside a database transaction/);
    expect(sent).toHaveLength(0);
    await mailer.sendPasswordChanged('a@example.com');
    expect(sent).toHaveLength(1);
    expect(() => assertNoOpenTransaction('x')).not.toThrow();
  });
});
