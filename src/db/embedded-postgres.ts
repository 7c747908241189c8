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
    const server = serializedPgliteServer(db, { maxConnections: 1 });
    await server.start();
    const conn = server.getServerConn();
    return new EmbeddedPostgres(db, server, `postgres://postgres@${conn}/postgres?sslmode=disable`);
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.db.close();
  }
}

/**
 * PGlite runs ONE PostgreSQL session. @electric-sql/pglite-socket queues the wire-protocol messages of all its
 * connections one message at a time, and keeps one connection exclusive only while `db.isInTransaction()` (an
 * explicit BEGIN block). Outside one, the extended-protocol messages of a query (Parse, Bind, Describe, Execute,
 * then Sync) from two connections interleave: the second connection's Parse replaces the first one's unnamed
 * statement, whose Bind/Execute then fail ("unnamed prepared statement does not exist", "portal does not
 * exist"), or run the other connection's statement.
 *
 * The server built here hands pglite-socket a view of the database whose `isInTransaction()` is also true while
 * a connection is between messages of one request, i.e. from its first message until PGlite answers
 * ReadyForQuery (after Sync, a simple Query, or the startup). The queue then serves that connection alone until
 * it is done, exactly as it does for a transaction block. A connection that goes away in the middle of a
 * request has its request ended with a Sync (and an open transaction block rolled back, as pglite-socket does).
 *
 * Session state stays shared: SET, advisory locks and temporary tables of one connection are seen by the others.
 */
export function serializedPgliteServer(db: PGlite, options: { host?: string; port?: number; maxConnections: number }): PGLiteSocketServer {
  return new PGLiteSocketServer({ db: serializedView(db), host: options.host ?? '127.0.0.1', port: options.port ?? 0, maxConnections: options.maxConnections });
}

const READY_FOR_QUERY = 0x5a; // 'Z'
const TERMINATE = 0x58; // 'X'
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]); // 'S', length 4

type RawStream = (message: Uint8Array, options: { onRawData: (data: Uint8Array) => void; syncToFs?: boolean }) => Promise<void>;

/** Whether the output so far ends with a ReadyForQuery message ('Z', int32 5, status byte). */
class ReadyTail {
  private tail = new Uint8Array(0);
  push(data: Uint8Array): void {
    const joined = new Uint8Array(Math.min(6, this.tail.length + data.length));
    const all = this.tail.length + data.length;
    for (let i = 0; i < joined.length; i++) {
      const at = all - joined.length + i;
      joined[i] = at < this.tail.length ? this.tail[at]! : data[at - this.tail.length]!;
    }
    this.tail = joined;
  }
  get ready(): boolean {
    const t = this.tail;
    return t.length === 6 && t[0] === READY_FOR_QUERY && t[1] === 0 && t[2] === 0 && t[3] === 0 && t[4] === 5;
  }
}

function serializedView(db: PGlite): PGlite {
  /** A connection has sent part of a request and PGlite has not answered ReadyForQuery yet. */
  let midRequest = false;
  const raw = db.execProtocolRawStream.bind(db) as unknown as RawStream;

  const execProtocolRawStream: RawStream = async (message, options) => {
    const tail = new ReadyTail();
    try {
      await raw(message, {
        ...options,
        onRawData: (data) => {
          tail.push(data);
          options.onRawData(data);
        },
      });
    } finally {
      // Terminate has no answer and ends the connection's requests.
      midRequest = message[0] === TERMINATE ? false : !tail.ready;
    }
  };

  const exec = async (sql: string): Promise<unknown> => {
    // pglite-socket calls exec('ROLLBACK') when the connection it served alone goes away (clearTransactionIfNeeded).
    if (midRequest) {
      midRequest = false;
      await db.runExclusive(() => raw(SYNC, { onRawData: () => undefined }));
    }
    return db.isInTransaction() ? db.exec(sql) : [];
  };

  return new Proxy(db, {
    get(target, property) {
      if (property === 'isInTransaction') return () => midRequest || target.isInTransaction();
      if (property === 'execProtocolRawStream') return execProtocolRawStream;
      if (property === 'exec') return exec;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
