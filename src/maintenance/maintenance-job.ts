import type { EntityManager } from 'typeorm';
import type { Config } from '../config/config';

/** What a sweep gets: one dedicated connection (holding the maintenance lock), the app's clock and the limits. */
export interface MaintenanceContext {
  /** Bound to the runner's connection; `em.transaction` runs on it too. */
  em: EntityManager;
  now: Date;
  /** Rows per statement (per transaction where a sweep needs one). */
  batchSize: number;
  /** Rows one job may delete in this run; the rest waits for the next run. */
  maxRows: number;
  config: Readonly<Config>;
  /** True once the gateway is closing: finish the current batch and return. */
  stopping(): boolean;
}

/** A retention sweep, declared by the module that owns the table (STYLE rule 12). */
export interface MaintenanceJob {
  /** `<table>.<rule>`, e.g. `sessions.ended`; used in logs and metrics. */
  name: string;
  /** Deletes what is past its period, in bounded batches; returns the rows deleted. */
  run(ctx: MaintenanceContext): Promise<number>;
}
