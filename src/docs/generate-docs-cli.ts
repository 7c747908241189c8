import fs from 'node:fs';
import path from 'node:path';
import { generatedDocs } from './generated-docs';

/** npm run docs:generate: rewrites the generated tables of docs/ (test/docs-drift.test.ts fails when they differ). */
const root = path.resolve(__dirname, '..', '..', '..');
for (const { file, current, expected } of generatedDocs(root)) {
  if (current === expected) continue;
  fs.writeFileSync(path.join(root, file), expected);
  process.stdout.write(`wrote ${file}\n`);
}
