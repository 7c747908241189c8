import 'reflect-metadata';
import { ConfigError, loadConfig } from '../config/config';
import { createDataSource } from './data-source';

/** npm run migrate: applies pending migrations to DATABASE_URL (the embedded database migrates at start). */
async function main() {
  const config = loadConfig();
  if (!config.databaseUrl) {
    process.stdout.write('DATABASE_URL is not set: the embedded database is migrated when the gateway starts.\n');
    return;
  }
  const dataSource = createDataSource({ url: config.databaseUrl, schema: config.databaseSchema, poolSize: 1 });
  await dataSource.initialize();
  try {
    if (config.databaseSchema) await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${config.databaseSchema}"`);
    const ran = await dataSource.runMigrations({ transaction: 'all' });
    process.stdout.write(ran.length ? ran.map((m) => `applied ${m.name}\n`).join('') : 'no pending migrations\n');
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error) => {
  process.stderr.write(`migrate: ${error instanceof ConfigError ? error.message : error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
