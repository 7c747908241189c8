import { DataSource } from 'typeorm';
import { moduleEntities } from '../modules';
import { SnakeNamingStrategy } from './naming-strategy';
import { migrations } from '../../migrations';

export interface DataSourceOptions {
  url: string;
  schema: string | null;
  poolSize: number;
  /** statement_timeout for every pooled connection (DATABASE_STATEMENT_TIMEOUT_MS). */
  statementTimeoutMs?: number;
  /** idle_in_transaction_session_timeout (DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS). */
  idleInTransactionTimeoutMs?: number;
  /** false: no migrations (schema generation scripts). */
  migrations?: boolean;
}

/** synchronize is off, always: the schema only changes through migrations. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema ?? undefined,
    entities: [...moduleEntities],
    migrations: options.migrations === false ? [] : migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: false,
    extra: {
      max: options.poolSize,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      // node-postgres sets these at connect time (startup parameters): no extra round trip per checkout.
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
      ...(options.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs } : {}),
      ...(options.schema ? { options: `-c search_path=${options.schema},public` } : {}),
    },
  });
}
