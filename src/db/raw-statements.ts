import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Pool, PoolClient, QueryResultRow } from 'pg';

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

  private text(name: string, build: () => string): string {
    let text = this.texts.get(name);
    if (text === undefined) {
      text = build();
      this.texts.set(name, text);
    }
    return text;
  }

  /** Runs the statement `name` on the pool (autocommit), its text built once by `build` (table names are fixed per app). */
  async run<R extends QueryResultRow>(name: string, build: () => string, values: unknown[]): Promise<R[]> {
    const result = await this.pool.query<R>({ name, text: this.text(name, build), values });
    return result.rows;
  }

  /** The same inside the caller's transaction: on the connection that `em` holds (or the pool when it holds none). */
  async runIn<R extends QueryResultRow>(em: EntityManager, name: string, build: () => string, values: unknown[]): Promise<R[]> {
    const runner = em.queryRunner as (EntityManager['queryRunner'] & { databaseConnection?: PoolClient }) | undefined;
    const client = runner?.isTransactionActive ? runner.databaseConnection : undefined;
    if (!client) return this.run<R>(name, build, values);
    const result = await client.query<R>({ name, text: this.text(name, build), values });
    return result.rows;
  }
}
