import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

/** Development outbox: writes one JSON file per message into dir and returns its path. */
export async function saveToOutbox(dir: string, kind: 'mail' | 'sms', message: object): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${kind}-${randomUUID().slice(0, 8)}.json`);
  await fs.writeFile(file, JSON.stringify({ kind, ...message }, null, 2));
  return file;
}

export const printToStdout = (line: string) => void process.stdout.write(line + '\n');
