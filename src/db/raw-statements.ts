import type { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { tableOf } from './table-of';
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
    return tableOf(this.dataSource, entity);
  }

  private text(name: string, build: () => string): string {
    let text = this.texts.get(name);
    if (text === undefined) {
      text = build();
      this.texts.set(name, text);
    }
    return text;
  }

  /**
   * One row by primary key as an entity instance, through a named statement (`name`): the entity's own columns,
   * no relations, as `em.findOne(entity, { where: { id } })` gives them, without query building or TypeORM's
   * hydration. `lock` adds FOR SHARE / FOR UPDATE (inside the caller's transaction). Not for entities with column
   * transformers.
   */
  async findById<T extends ObjectLiteral>(
    em: EntityManager,
    entity: EntityTarget<T>,
    name: string,
    id: string,
    lock: 'share' | 'update' | null = null,
  ): Promise<T | null> {
    const rows = await this.runIn<Record<string, unknown>>(
      em,
      name,
      () => {
        const primary = this.dataSource.getMetadata(entity).primaryColumns[0]!.databaseName;
        return `SELECT ${this.columns(entity)} FROM ${this.table(entity)} WHERE "${primary}" = $1${lock === 'share' ? ' FOR SHARE' : lock === 'update' ? ' FOR UPDATE' : ''}`;
      },
      [id],
    );
    const row = rows[0];
    return row ? this.toEntity(entity, row) : null;
  }

  /**
   * The entity's own columns as a select list, each named by its property (`"email_verified" AS "emailVerified"`):
   * a row selected with it becomes an entity through toEntity. No relations; not for entities with column transformers.
   */
  columns(entity: EntityTarget<ObjectLiteral>): string {
    const meta = this.dataSource.getMetadata(entity);
    if (meta.columns.some((c) => c.transformer)) throw new Error(`RawStatements: ${meta.name} has column transformers`);
    return (
      meta.columns
        // A relation's own join column (property `user`) is skipped; an explicit FK column (`userId`) is kept,
        // also when TypeORM merged it with the relation's join column.
        .filter((c) => !(c.relationMetadata && c.propertyName === c.relationMetadata.propertyName))
        .map((c) => `"${c.databaseName}" AS "${c.propertyName}"`)
        .join(', ')
    );
  }

  /** A row selected with columns() as an entity instance (as `em.findOne` gives it, without TypeORM's hydration). */
  toEntity<T extends ObjectLiteral>(entity: EntityTarget<T>, row: Record<string, unknown>): T {
    return Object.assign(this.dataSource.getMetadata(entity).create() as T, row);
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
