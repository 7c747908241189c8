import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// Issue 24: a production start with nothing set names every required variable in one run, not one per
// restart. Runs the built entry point (npm run build first, as .ci/run does) with an empty environment.
const root = path.resolve(__dirname, '../..');
const main = path.join(root, 'dist/src/main.js');

/** The newest modification time under `dir` (files only). */
function newest(dir: string): number {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => fs.statSync(path.join(dir, name)))
    .filter((stat) => stat.isFile())
    .reduce((max, stat) => Math.max(max, stat.mtimeMs), 0);
}

// `npm test` on a fresh clone has no dist/, and a dist/ older than src/ would test stale code: build first then.
beforeAll(() => {
  if (fs.existsSync(main) && fs.statSync(main).mtimeMs >= Math.max(newest(path.join(root, 'src')), newest(path.join(root, 'migrations')))) return;
  const build = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: root, encoding: 'utf8' });
  expect({ status: build.status, out: build.stdout }).toEqual({ status: 0, out: '' });
}, 300_000);

describe('node dist/src/main.js with NODE_ENV=production and nothing else set', () => {
  test('exits non-zero, naming every required variable, one line each, in the same run', () => {
    const run = spawnSync(process.execPath, [main], {
      cwd: root,
      env: { NODE_ENV: 'production', PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    const named = lines.map((line) => /^warden: configuration error: ([A-Z_]+): required when NODE_ENV=production/.exec(line)?.[1] ?? line);
    expect(named).toEqual(['DATABASE_URL', 'REDIS_URL', 'JWT_PRIVATE_KEY', 'WARDEN_SECRET', 'SMTP_URL', 'MAIL_FROM', 'PUBLIC_URL', 'APP_URL']);
    expect(run.stdout).toBe('');
  });
});
