import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import type { Config } from '../config/config';
import type { MaintenanceJob } from './maintenance-job';

export type MaintenanceRunResult =
  | { status: 'ran'; deleted: Record<string, number>; failed: string[] }
  /** Another run holds the lock (this instance or another one sharing the schema), or the runner is closed. */
  | { status: 'skipped' };

export interface MaintenanceRunnerDeps {
  dataSource: DataSource;
  jobs: readonly MaintenanceJob[];
  config: Readonly<Config>;
  now: () => Date;
  logger: Logger;
  registry?: Registry;
  /** 0..1; defaults to Math.random (jitter of the interval). */
  random?: () => number;
}

/** Advisory-lock key for one deployment: instances sharing a schema share it, other schemas don't. */
export function maintenanceLockKey(schema: string | null): bigint {
  return createHash('sha256')
    .update(`warden:maintenance:${schema ?? ''}`)
    .digest()
    .readBigInt64BE(0);
}

/**
 * Runs the retention sweeps every MAINTENANCE_INTERVAL_SECONDS (±10%), on one instance at a time: each run
 * takes `pg_try_advisory_lock` on its own connection and skips when another holds it. The jobs run on that
 * connection, so an instance whose connection dies loses the lock with it.
 */
export class MaintenanceRunner {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<MaintenanceRunResult> | null = null;
  private closed = false;
  private readonly lockKey: string;
  private readonly deletedTotal?: Counter<'job'>;
  private readonly runsTotal?: Counter<'outcome'>;

  constructor(private readonly deps: MaintenanceRunnerDeps) {
    this.lockKey = maintenanceLockKey(deps.config.databaseSchema).toString();
    if (deps.registry) {
      this.deletedTotal = new Counter({
        name: 'warden_maintenance_deleted_rows_total',
        help: 'Rows deleted by retention sweeps, by job',
        labelNames: ['job'] as const,
        registers: [deps.registry],
      });
      this.runsTotal = new Counter({
        name: 'warden_maintenance_runs_total',
        help: 'Maintenance runs by outcome (ran, skipped: another instance held the lock, failed: a job threw)',
        labelNames: ['outcome'] as const,
        registers: [deps.registry],
      });
    }
  }

  /** Schedules runs (first one after one jittered interval). No-op when MAINTENANCE_ENABLED=false. */
  start(): void {
    if (!this.deps.config.maintenance.enabled || this.closed || this.timer) return;
    this.schedule();
  }

  private schedule(): void {
    const random = this.deps.random ?? Math.random;
    const delayMs = this.deps.config.maintenance.intervalSeconds * 1000 * (0.9 + 0.2 * random());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.runOnce()
        .catch((err) => this.deps.logger.error({ err }, 'maintenance run failed'))
        .finally(() => {
          if (!this.closed) this.schedule();
        });
    }, delayMs);
    this.timer.unref();
  }

  /** One run of every job, unless a run is already going here or on another instance ('skipped'). */
  runOnce(): Promise<MaintenanceRunResult> {
    if (this.closed || this.running) return Promise.resolve({ status: 'skipped' });
    const run = this.runLocked().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  private async runLocked(): Promise<MaintenanceRunResult> {
    const runner = this.deps.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::bigint) AS locked', [this.lockKey])) as { locked: boolean }[];
      if (!locked) {
        this.runsTotal?.inc({ outcome: 'skipped' });
        this.deps.logger.debug('maintenance skipped: another instance holds the lock');
        return { status: 'skipped' };
      }
      try {
        return await this.runJobs(runner.manager);
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1::bigint)', [this.lockKey]);
      }
    } finally {
      await runner.release();
    }
  }

  private async runJobs(em: EntityManager): Promise<MaintenanceRunResult> {
    const { maintenance } = this.deps.config;
    const now = this.deps.now();
    const deleted: Record<string, number> = {};
    const failed: string[] = [];
    for (const job of this.deps.jobs) {
      if (this.closed) break;
      try {
        const rows = await job.run({
          em,
          now,
          batchSize: maintenance.batchSize,
          maxRows: maintenance.maxRowsPerRun,
          config: this.deps.config,
          stopping: () => this.closed,
        });
        deleted[job.name] = rows;
        if (rows > 0) this.deletedTotal?.inc({ job: job.name }, rows);
      } catch (err) {
        failed.push(job.name);
        this.deps.logger.error({ err, job: job.name }, 'maintenance job failed');
      }
    }
    this.runsTotal?.inc({ outcome: failed.length ? 'failed' : 'ran' });
    this.deps.logger.info({ deleted, failed }, 'maintenance run finished');
    return { status: 'ran', deleted, failed };
  }

  /** Stops scheduling and waits for a run in progress (it stops after its current batch). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }
}
