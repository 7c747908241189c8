import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import bcrypt from 'bcryptjs';
import { PasswordHasher } from '../src/crypto/password-hasher';

export interface HashBaseline {
  cost: number;
  threads: number;
  durationSeconds: number;
  hashes: number;
  hashesPerSecond: number;
}

/**
 * Raw bcryptjs throughput at a cost on every core: one worker thread per core, each comparing a password
 * against a hash of that cost (what a login does) as fast as it can. This is the floor `login` is held to.
 */
export async function bcryptBaseline(cost: number, durationSeconds: number, threads = os.availableParallelism()): Promise<HashBaseline> {
  const input = PasswordHasher.prehash('bench password');
  const hash = bcrypt.hashSync(input, bcrypt.genSaltSync(cost));
  const startedMs = Date.now();
  const deadlineMs = startedMs + durationSeconds * 1000;
  const perThread = await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<{ count: number; elapsedMs: number }>((resolve, reject) => {
          const worker = new Worker(path.join(__dirname, 'bcrypt-baseline.worker.js'), { workerData: { input, hash, deadlineMs } });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  // Each thread overshoots the deadline by up to one hash: rate per thread over its own time, summed.
  const hashes = perThread.reduce((a, t) => a + t.count, 0);
  const hashesPerSecond = perThread.reduce((a, t) => a + t.count / (t.elapsedMs / 1000), 0);
  return { cost, threads, durationSeconds: (Date.now() - startedMs) / 1000, hashes, hashesPerSecond };
}
