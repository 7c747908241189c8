import type { QueryRunner } from 'typeorm';

/** `"schema".` when DATABASE_SCHEMA is set, so migrations never depend on the connection's search_path. */
export function schemaPrefix(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as { schema?: string }).schema;
  return schema ? `"${schema.replace(/"/g, '""')}".` : '';
}
