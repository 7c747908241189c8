import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * The development default when DATABASE_URL is not set: PGlite (PostgreSQL compiled to WASM, in-process)
 * served on a loopback port so the same `pg` driver, migrations and SQL run as in production.
 * PGlite is single-connection: use a pool of one.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly db: PGlite,
    private readonly server: PGLiteSocketServer,
    readonly url: string,
  ) {}

  /** dataDir null: in memory (tests). */
  static async start(dataDir: string | null): Promise<EmbeddedPostgres> {
    let dir: string | undefined;
    if (dataDir) {
      dir = path.resolve(dataDir, 'pglite');
      fs.mkdirSync(dir, { recursive: true });
    }
    const db = await PGlite.create(dir ? { dataDir: dir } : {});
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 1 });
    await server.start();
    const conn = server.getServerConn();
    return new EmbeddedPostgres(db, server, `postgres://postgres@${conn}/postgres?sslmode=disable`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}
