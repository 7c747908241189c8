import path from 'node:path';
import { DataSource } from 'typeorm';
import { entities } from './entities';
import { SnakeNamingStrategy } from './naming-strategy';

export interface DataSourceOptions {
  url: string;
  schema: string | null;
  poolSize: number;
  /** Loaded from /migrations (compiled or source, whichever is running). */
  migrations?: boolean;
}

export function migrationsGlob(): string {
  // dist/src/db → dist/migrations ; src/db → migrations
  const ext = __filename.endsWith('.ts') ? 'ts' : 'js';
  return path.join(__dirname, '..', '..', 'migrations', `*.${ext}`);
}

/** synchronize is off, always: the schema only changes through migrations. */
export function createDataSource(options: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema ?? undefined,
    entities,
    migrations: options.migrations === false ? [] : [migrationsGlob()],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: false,
    extra: {
      max: options.poolSize,
      connectionTimeoutMillis: 3000,
      idleTimeoutMillis: 30_000,
      ...(options.schema ? { options: `-c search_path=${options.schema},public` } : {}),
    },
  });
}
