/**
 * Without DATABASE_URL the suite runs on embedded PostgreSQL (PGlite), served over the PostgreSQL wire
 * protocol from this parent process (PGlite cannot load inside jest's module sandbox). Workers inherit
 * DATABASE_URL and use a schema per test file, exactly as against a real server.
 */
import { PGlite } from '@electric-sql/pglite';
import { serializedPgliteServer } from '../../src/db/embedded-postgres';

export default async function globalSetup(): Promise<void> {
  // One id per test run, inherited by the workers: the browser tests share one build of examples/web under it.
  process.env.WARDEN_TEST_RUN_ID ??= `${process.pid}-${Date.now()}`;
  if (process.env.DATABASE_URL) return;
  const db = await PGlite.create();
  // Every app, CLI child and test client connects here: requests are served whole, one at a time.
  const server = serializedPgliteServer(db, { maxConnections: 200 });
  await server.start();
  process.env.DATABASE_URL = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  process.env.WARDEN_TEST_EMBEDDED_PG = '1';
  (globalThis as { __wardenPglite?: { db: PGlite; server: { stop(): Promise<void> } } }).__wardenPglite = { db, server };
}
