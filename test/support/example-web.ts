import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = path.resolve(__dirname, '..', '..');
export const exampleWebDir = path.join(repoRoot, 'examples', 'web');

/**
 * Builds examples/web with the root's devDependencies (vite, react, @apollo/client are root devDependencies,
 * found by Node's resolution from examples/web/ upwards), into outDir.
 */
export async function buildExampleWeb(outDir: string): Promise<void> {
  const vite = path.join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js');
  await run(process.execPath, [vite, 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
    cwd: exampleWebDir,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (!fs.existsSync(path.join(outDir, 'index.html'))) throw new Error(`vite build wrote no index.html into ${outDir}`);
}

/** Type-checks examples/web (its own tsconfig: DOM, JSX, bundler resolution). Resolves with tsc's output; rejects on errors. */
export async function typecheckExampleWeb(): Promise<void> {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', path.join(exampleWebDir, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], {
    cwd: exampleWebDir,
    timeout: 240_000,
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** Debian's Chromium (apt-get install chromium); never a browser downloaded by a test tool. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
