import pino from 'pino';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../config/config';
import { MaintenanceRunner, maintenanceLockKey } from './maintenance-runner';
import type { MaintenanceJob } from './maintenance-job';

/** A stand-in connection: the advisory lock is free unless `lockHeld`, and records what the runner asks. */
function fakeDataSource(state: { lockHeld: boolean; queries: string[]; released: number }) {
  return {
    createQueryRunner: () => ({
      manager: {},
      connect: async () => undefined,
      release: async () => void state.released++,
      query: async (sql: string) => {
        state.queries.push(sql);
        return sql.includes('pg_try_advisory_lock') ? [{ locked: !state.lockHeld }] : [];
      },
    }),
  } as unknown as DataSource;
}

const logger = pino({ level: 'silent' });

describe('MaintenanceRunner', () => {
  afterEach(() => jest.useRealTimers());

  test('the lock key depends on the schema only', () => {
    expect(maintenanceLockKey('a')).toBe(maintenanceLockKey('a'));
    expect(maintenanceLockKey('a')).not.toBe(maintenanceLockKey('b'));
    expect(maintenanceLockKey(null)).not.toBe(maintenanceLockKey('a'));
  });

  test('runs every job with the clock, batch size and cap; unlocks and releases its connection', async () => {
    const state = { lockHeld: false, queries: [] as string[], released: 0 };
    const now = new Date('2030-01-01T00:00:00Z');
    const seen: unknown[] = [];
    const jobs: MaintenanceJob[] = [
      { name: 'a.one', run: async (ctx) => (seen.push([ctx.now, ctx.batchSize, ctx.maxRows]), 3) },
      {
        name: 'b.two',
        run: async () => {
          throw new Error('boom');
        },
      },
      { name: 'c.three', run: async () => 0 },
    ];
    const config = loadConfig({ MAINTENANCE_BATCH_SIZE: '50', MAINTENANCE_MAX_ROWS_PER_RUN: '500' });
    const runner = new MaintenanceRunner({ dataSource: fakeDataSource(state), jobs, config, now: () => now, logger });
    expect(await runner.runOnce()).toEqual({ status: 'ran', deleted: { 'a.one': 3, 'c.three': 0 }, failed: ['b.two'] });
    expect(seen).toEqual([[now, 50, 500]]);
    expect(state.queries.at(-1)).toContain('pg_advisory_unlock');
    expect(state.released).toBe(1);
  });

  test('lock held elsewhere: skipped, no job runs, the connection is released', async () => {
    const state = { lockHeld: true, queries: [] as string[], released: 0 };
    const job = { name: 'a.one', run: jest.fn(async () => 1) };
    const runner = new MaintenanceRunner({ dataSource: fakeDataSource(state), jobs: [job], config: loadConfig({}), now: () => new Date(), logger });
    expect(await runner.runOnce()).toEqual({ status: 'skipped' });
    expect(job.run).not.toHaveBeenCalled();
    expect(state.released).toBe(1);
  });

  test('start() schedules runs every interval ±10%; close() stops them', async () => {
    jest.useFakeTimers();
    const state = { lockHeld: false, queries: [] as string[], released: 0 };
    const job = { name: 'a.one', run: jest.fn(async () => 0) };
    const config = loadConfig({ MAINTENANCE_INTERVAL_SECONDS: '60' });
    const runner = new MaintenanceRunner({ dataSource: fakeDataSource(state), jobs: [job], config, now: () => new Date(), logger, random: () => 0 });
    runner.start();
    await jest.advanceTimersByTimeAsync(53_999); // 60 s × 0.9 with random() = 0
    expect(job.run).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(job.run).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(54_000);
    expect(job.run).toHaveBeenCalledTimes(2);
    await runner.close();
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(job.run).toHaveBeenCalledTimes(2);
    expect(await runner.runOnce()).toEqual({ status: 'skipped' });
  });

  test('MAINTENANCE_ENABLED=false: start() schedules nothing (runOnce still works, for tests and operators)', async () => {
    jest.useFakeTimers();
    const state = { lockHeld: false, queries: [] as string[], released: 0 };
    const job = { name: 'a.one', run: jest.fn(async () => 0) };
    const config = loadConfig({ MAINTENANCE_ENABLED: 'false', MAINTENANCE_INTERVAL_SECONDS: '60' });
    const runner = new MaintenanceRunner({ dataSource: fakeDataSource(state), jobs: [job], config, now: () => new Date(), logger });
    runner.start();
    await jest.advanceTimersByTimeAsync(10 * 60_000);
    expect(job.run).not.toHaveBeenCalled();
    expect((await runner.runOnce()).status).toBe('ran');
    await runner.close();
  });

  test('close() during a run: the job is told to stop, later jobs do not start, close waits for the run', async () => {
    const state = { lockHeld: false, queries: [] as string[], released: 0 };
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stoppingSeen: boolean | null = null;
    const later = { name: 'b.later', run: jest.fn(async () => 0) };
    const jobs: MaintenanceJob[] = [
      {
        name: 'a.slow',
        run: async (ctx) => {
          await gate;
          stoppingSeen = ctx.stopping();
          return 0;
        },
      },
      later,
    ];
    const runner = new MaintenanceRunner({ dataSource: fakeDataSource(state), jobs, config: loadConfig({}), now: () => new Date(), logger });
    const run = runner.runOnce();
    await new Promise((resolve) => setImmediate(resolve));
    const closing = runner.close();
    release();
    await closing;
    expect(stoppingSeen).toBe(true);
    expect(later.run).not.toHaveBeenCalled();
    expect((await run).status).toBe('ran');
    expect(state.released).toBe(1);
  });
});
