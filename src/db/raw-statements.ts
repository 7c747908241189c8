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
  /**
   * Named statements need a session per connection. Embedded PGlite (development, and `npm test` without
   * DATABASE_URL) serves every connection as ONE session, where two connections preparing one name collide
   * (42P05) inside their transactions: there, statements go unnamed. Decided once, from `SELECT version()`.
   */
  private namedStatements: Promise<boolean> | null = null;

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

  /** `via`: the connection the caller already holds (inside a transaction, a second one may never come). */
  private async nameFor(name: string, via: Pick<Pool, 'query'> | PoolClient = this.pool): Promise<string | undefined> {
    this.namedStatements ??= via
      .query<{ version: string }>('SELECT version()')
      .then((result) => !/PGlite/i.test(result.rows[0]?.version ?? ''))
      .catch((error: unknown) => {
        this.namedStatements = null; // ask again next time (the database may be down right now)
        throw error;
      });
    return (await this.namedStatements) ? name : undefined;
  }

  /** Runs the statement `name` on the pool (autocommit), its text built once by `build` (table names are fixed per app). */
  async run<R extends QueryResultRow>(name: string, build: () => string, values: unknown[]): Promise<R[]> {
    const result = await this.pool.query<R>({ name: await this.nameFor(name), text: this.text(name, build), values });
    return result.rows;
  }

  /** The same inside the caller's transaction: on the connection that `em` holds (or the pool when it holds none). */
  async runIn<R extends QueryResultRow>(em: EntityManager, name: string, build: () => string, values: unknown[]): Promise<R[]> {
    const runner = em.queryRunner as (EntityManager['queryRunner'] & { databaseConnection?: PoolClient }) | undefined;
    const client = runner?.isTransactionActive ? runner.databaseConnection : undefined;
    if (!client) return this.run<R>(name, build, values);
    const result = await client.query<R>({ name: await this.nameFor(name, client), text: this.text(name, build), values });
    return result.rows;
  }
}
