import type { DataSource, EntityManager } from 'typeorm';

/** Runs fn in one transaction. Helpers called inside take this `em` and never open their own. */
export function withTransaction<T>(dataSource: DataSource, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction(fn);
}
