import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Pool, QueryResultRow } from 'pg';

/**
 * Hot paths (refreshSession, sign-in) run one hand-written statement on the pg pool TypeORM already owns:
 * no query building, no entity hydration, and a named prepared statement (parsed and planned once per
 * connection). Same pool, so the same limits (size, statement timeout) apply.
 */
export class RawStatements {
  private readonly pool: Pool;
  private readonly texts = new Map<string, string>();

  constructor(private readonly dataSource: DataSource) {
    this.pool = (dataSource.driver as unknown as { master: Pool }).master;
  }

  /** The entity's table, schema-qualified and quoted. */
  table(entity: EntityTarget<ObjectLiteral>): string {
    const meta = this.dataSource.getMetadata(entity);
    return [meta.schema, meta.tableName]
      .filter((part): part is string => !!part)
      .map((part) => `"${part.replace(/"/g, '""')}"`)
      .join('.');
  }

  /** Runs the statement `name`, whose text is built once by `build` (table names are fixed per app). */
  async run<R extends QueryResultRow>(name: string, build: () => string, values: unknown[]): Promise<R[]> {
    let text = this.texts.get(name);
    if (text === undefined) {
      text = build();
      this.texts.set(name, text);
    }
    const result = await this.pool.query<R>({ name, text, values });
    return result.rows;
  }
}
