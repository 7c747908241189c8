/** One worker thread of the raw bcryptjs baseline: compares in a loop until the deadline, then reports its count. */
import { parentPort, workerData } from 'node:worker_threads';
import bcrypt from 'bcryptjs';

const { input, hash, deadlineMs } = workerData as { input: string; hash: string; deadlineMs: number };
const startedMs = Date.now();
let count = 0;
while (Date.now() < deadlineMs) {
  if (!bcrypt.compareSync(input, hash)) throw new Error('baseline hash does not match');
  count += 1;
}
parentPort!.postMessage({ count, elapsedMs: Date.now() - startedMs });
