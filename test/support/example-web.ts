import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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

/** Where one test run keeps its one build of examples/web (WARDEN_TEST_RUN_ID comes from globalSetup). */
export function sharedExampleWebDir(): string | null {
  const runId = process.env.WARDEN_TEST_RUN_ID;
  return runId ? path.join(os.tmpdir(), `warden-example-web-${runId}`) : null;
}

/** Screenshots and reports of the browser tests (git-ignored). */
export const browserArtifacts = path.join(repoRoot, 'test', 'artifacts', 'browser');

/**
 * The screenshots docs/frontend.md shows, one per page of examples/web, under fixed names (committed).
 *
 * Where the browser tests put their page screenshots: docs/screenshots (the pictures docs/frontend.md shows) when
 * UPDATE_SCREENSHOTS=1, else test/artifacts/screenshots, so an ordinary test run leaves the work tree clean.
 */
export const docsScreenshots =
  process.env.UPDATE_SCREENSHOTS === '1' ? path.join(repoRoot, 'docs', 'screenshots') : path.join(repoRoot, 'test', 'artifacts', 'screenshots');

/** A full-page screenshot of `page` into docs/screenshots/<name>.png. */
export async function docsScreenshot(page: { screenshot(options: { path: string; fullPage: boolean }): Promise<unknown> }, name: string): Promise<void> {
  fs.mkdirSync(docsScreenshots, { recursive: true });
  await page.screenshot({ path: path.join(docsScreenshots, `${name}.png`), fullPage: true });
}

/**
 * examples/web built, served read-only by every browser test file of this run: the build runs once per test run
 * (built into a scratch directory, then renamed into place, so a second worker building at the same time loses
 * the rename and uses the winner's build). Outside a jest run (no run id) each call builds into a new directory.
 */
export async function exampleWebBuild(): Promise<string> {
  const shared = sharedExampleWebDir();
  if (!shared) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-web-'));
    await buildExampleWeb(dir);
    return dir;
  }
  if (!fs.existsSync(path.join(shared, 'index.html'))) {
    const scratch = `${shared}.build-${process.pid}-${Date.now()}`;
    await buildExampleWeb(scratch);
    try {
      fs.renameSync(scratch, shared);
    } catch {
      fs.rmSync(scratch, { recursive: true, force: true }); // another worker's build is in place
    }
  }
  return shared;
}

/** Type-checks examples/web (its own tsconfig: DOM, JSX, bundler resolution); rejects with tsc's errors. */
export async function typecheckExampleWeb(): Promise<void> {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', path.join(exampleWebDir, 'tsconfig.json'), '--noEmit', '--pretty', 'false'], {
      cwd: exampleWebDir,
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`examples/web does not type-check:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
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

/**
 * Runs graphql-codegen with codegen.ts exactly as `npm run codegen` does, but in memory (nothing written),
 * in a child process: @graphql-codegen/cli loads ES modules that jest's module system cannot.
 */
export async function generateInMemory(): Promise<{ filename: string; content: string }[]> {
  const script = `
    const { loadCodegenConfig, generate } = require('@graphql-codegen/cli');
    (async () => {
      const { config } = await loadCodegenConfig({ configFilePath: 'codegen.ts' });
      const outputs = await generate({ ...config, cwd: process.cwd(), silent: true }, false);
      process.stdout.write(JSON.stringify(outputs.map((o) => ({ filename: o.filename, content: o.content }))));
    })().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });`;
  const { stdout } = await run(process.execPath, ['-e', script], { cwd: repoRoot, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as { filename: string; content: string }[];
}

/**
 * describe() when Debian's Chromium is installed. Without it: under CI=true a failing test says what to
 * install (the browser tests must run in CI); locally the suite is skipped, visibly.
 */
export function describeWithChromium(name: string, fn: () => void): void {
  if (fs.existsSync(CHROMIUM_PATH)) {
    describe(name, fn);
    return;
  }
  if (process.env.CI) {
    test(`${name}: Chromium is installed at ${CHROMIUM_PATH}`, () => {
      throw new Error(`${CHROMIUM_PATH} is missing: install Debian's chromium (apt-get install -y chromium) before the browser tests`);
    });
    return;
  }
  process.stderr.write(`SKIPPED "${name}": it needs ${CHROMIUM_PATH} (apt-get install -y chromium)\n`);
  describe.skip(name, fn);
}
