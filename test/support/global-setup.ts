/**
 * Without DATABASE_URL the suite runs on embedded PostgreSQL (PGlite), served over the PostgreSQL wire
 * protocol from this parent process (PGlite cannot load inside jest's module sandbox). Workers inherit
 * DATABASE_URL and use a schema per test file, exactly as against a real server.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export default async function globalSetup(): Promise<void> {
  // One id per test run, inherited by the workers: the browser tests share one build of examples/web under it.
  process.env.WARDEN_TEST_RUN_ID ??= `${process.pid}-${Date.now()}`;
  if (process.env.DATABASE_URL) return;
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 200 });
  await server.start();
  process.env.DATABASE_URL = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  process.env.WARDEN_TEST_EMBEDDED_PG = '1';
  (globalThis as { __wardenPglite?: { db: PGlite; server: PGLiteSocketServer } }).__wardenPglite = { db, server };
}
