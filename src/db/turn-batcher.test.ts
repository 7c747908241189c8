import { TurnBatcher } from './turn-batcher';

describe('TurnBatcher', () => {
  test('the calls of one turn run as one batch, in call order, each answered with its own result', async () => {
    const runs: number[][] = [];
    const batcher = new TurnBatcher<number, string>(async (items) => {
      runs.push(items);
      return items.map((n) => `#${n}`);
    });
    const first = await Promise.all([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(first).toEqual(['#1', '#2', '#3']);
    expect(runs).toEqual([[1, 2, 3]]);
    // A later turn is a new batch.
    expect(await batcher.add(4)).toBe('#4');
    expect(runs).toEqual([[1, 2, 3], [4]]);
  });

  test('at most maxBatch items a run', async () => {
    const runs: number[][] = [];
    const batcher = new TurnBatcher<number, number>(async (items) => (runs.push(items), items), { maxBatch: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map((n) => batcher.add(n)))).toEqual([1, 2, 3, 4, 5]);
    expect(runs).toEqual([[1, 2], [3, 4], [5]]);
  });

  test('a batch failed by an error one item can cause is run again item by item: only the bad item fails', async () => {
    const runs: number[][] = [];
    const batcher = new TurnBatcher<number, number>(
      async (items) => {
        runs.push(items);
        if (items.includes(2)) throw new Error('bad item 2');
        return items.map((n) => n * 10);
      },
      { retryAlone: (e) => e instanceof Error && e.message.startsWith('bad item') },
    );
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: new Error('bad item 2') },
      { status: 'fulfilled', value: 30 },
    ]);
    expect(runs).toEqual([[1, 2, 3], [1], [2], [3]]);
  });

  test('any other failure (PostgreSQL out of reach, a statement timeout) fails the whole batch at once: no retry one by one', async () => {
    let runs = 0;
    const batcher = new TurnBatcher<number, number>(
      async () => {
        runs += 1;
        throw Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
      },
      { retryAlone: (e) => (e as { code?: string }).code === '23503' },
    );
    const results = await Promise.allSettled([batcher.add(1), batcher.add(2), batcher.add(3)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(runs).toBe(1);
  });

  test('a run answering the wrong number of results fails its calls instead of mismatching them', async () => {
    const batcher = new TurnBatcher<number, number>(async (items) => items.slice(1));
    await expect(batcher.add(1)).rejects.toThrow('batch answered 0 results for 1 items');
  });
});
