import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * The table of an entity, schema-qualified and quoted, for raw SQL (the connection's search_path is not relied
 * on). `entity` is the entity class, or a table name for a table of another module whose entity may not be
 * imported (src/modules/users/sign-in-methods.ts counts rows of `password_credentials` that way).
 */
export function tableOf(source: EntityManager | DataSource, entity: EntityTarget<ObjectLiteral>): string {
  const connection = 'connection' in source ? source.connection : source;
  const meta = typeof entity === 'string' ? connection.entityMetadatas.find((m) => m.tableName === entity) : connection.getMetadata(entity);
  if (!meta) throw new TypeError(`no entity for table ${String(entity)}`);
  return [meta.schema, meta.tableName]
    .filter((part): part is string => !!part)
    .map((part) => `"${part.replace(/"/g, '""')}"`)
    .join('.');
}
