import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** True when this machine can start its own redis-server (CI installs it). */
export const hasRedisServerBinary = spawnSync('redis-server', ['--version']).status === 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function cli(port: number, ...args: string[]): string {
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 10_000 }).trim();
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (check()) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface PrivateRedis {
  ports: number[];
  dir: string;
  /** Keys (any prefix) on each node. */
  keyCounts(pattern: string): number[];
  stop(): Promise<void>;
}

/**
 * redis-server processes of our own on free high ports (never the machine's 6379), no persistence.
 * One node, or a cluster of `masters` masters with no replicas.
 */
export async function startPrivateRedis(options: { cluster?: boolean; masters?: number } = {}): Promise<PrivateRedis> {
  const count = options.cluster ? (options.masters ?? 3) : 1;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'warden-redis-'));
  const ports: number[] = [];
  const pids: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
      if (options.cluster)
        args.push('--cluster-enabled', 'yes', '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '2000');
      const child = spawn('redis-server', args, { stdio: 'ignore', detached: false });
      ports.push(port);
      pids.push(child.pid!);
      await waitFor(() => cli(port, 'ping') === 'PONG', `redis-server on ${port}`);
    }
    if (options.cluster) {
      execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      await waitFor(() => ports.every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok')), 'cluster_state:ok on every node');
    }
  } catch (error) {
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    ports,
    dir,
    keyCounts: (pattern) => ports.map((p) => cli(p, '--scan', '--pattern', pattern).split('\n').filter(Boolean).length),
    async stop() {
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
      }
      await waitFor(() => pids.every((pid) => !isAlive(pid)), 'redis-server processes to exit', 10_000).catch(() => {
        for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
