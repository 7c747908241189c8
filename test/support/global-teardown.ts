import type { PGlite } from '@electric-sql/pglite';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import fs from 'node:fs';
import { sharedExampleWebDir } from './example-web';

export default async function globalTeardown(): Promise<void> {
  const shared = sharedExampleWebDir();
  if (shared) fs.rmSync(shared, { recursive: true, force: true });
  const embedded = (globalThis as { __wardenPglite?: { db: PGlite; server: PGLiteSocketServer } }).__wardenPglite;
  if (!embedded) return;
  await embedded.server.stop();
  await embedded.db.close();
}
