import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import WebSocket from 'ws';
import { processCpuMs } from './cpu-accounting';

export interface Server {
  name: string;
  url: string;
  pid: number;
  /** Resident set size of the server process, in MiB. */
  rssMiB(): number;
  /** CPU time the server process has used (user + system, all threads), ms; null where /proc is missing. */
  cpuMs(): number | null;
  /**
   * A full garbage collection in the server, from outside: SIGUSR1 opens its inspector (on the loopback
   * port its --inspect-port=127.0.0.1:0 lets the OS choose), and HeapProfiler.collectGarbage runs over it.
   * The server's own code has no hook for this. The inspector stays open (loopback only) until it stops.
   */
  collectGarbage(): Promise<void>;
  stop(): Promise<void>;
}

async function collectGarbageOf(child: ChildProcess, listening: () => string | undefined, output: () => string): Promise<void> {
  if (!listening()) child.kill('SIGUSR1');
  const deadline = Date.now() + 5000;
  while (!listening() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const url = listening();
  if (!url) throw new Error(`the inspector did not open:\n${output()}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' })));
    socket.on('message', (data: Buffer) => {
      if ((JSON.parse(data.toString()) as { id?: number }).id === 1) resolve();
    });
    socket.once('error', reject);
    setTimeout(() => reject(new Error('HeapProfiler.collectGarbage did not answer within 30 s')), 30_000).unref();
  }).finally(() => socket.close());
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
    if (Number.isFinite(kb)) return kb / 1024;
  } catch {
    /* not Linux: ask ps */
  }
  return (
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) / 1024
  );
}

async function waitFor(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(url, { headers: { 'apollo-require-preflight': '1' } });
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not answer ${url} within ${timeoutMs} ms:\n${output()}`);
}

function start(name: string, script: string, env: Record<string, string>, readyPath: string, nodeArgs: string[]): Promise<Server> {
  return (async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--inspect-port=127.0.0.1:0', ...nodeArgs, script], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let inspector: string | undefined;
    const keep = (chunk: Buffer) => {
      if (process.env.BENCH_SERVER_OUTPUT) appendFileSync(`${process.env.BENCH_SERVER_OUTPUT}.${name}`, chunk);
      output = (output + chunk.toString()).slice(-8000);
      inspector ??= /Debugger listening on (ws:\/\/\S+)\r?\n/.exec(output)?.[1]; // whole line only: a read may end mid-URL
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitFor(`${url}${readyPath}`, child, () => output, 60_000);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return {
      name,
      url,
      pid: child.pid!,
      rssMiB: () => rssMiB(child.pid!),
      cpuMs: () => processCpuMs(child.pid!),
      collectGarbage: () =>
        collectGarbageOf(
          child,
          () => inspector,
          () => output,
        ),
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    };
  })();
}

const distRoot = path.resolve(__dirname, '..');

/** The built gateway (dist/src/main.js, or another build's main.js to compare with) in production mode. */
export function startGateway(env: Record<string, string>, nodeArgs: string[] = [], mainJs = path.join(distRoot, 'src', 'main.js')): Promise<Server> {
  return start('warden', mainJs, { NODE_ENV: 'production', ...env }, '/readyz', nodeArgs);
}

/** Bare Apollo Server on Fastify answering { hello }. */
export function startBareApollo(nodeArgs: string[] = []): Promise<Server> {
  return start('bare-apollo', path.join(__dirname, 'bare-apollo-server.js'), { NODE_ENV: 'production' }, '/graphql?query=%7Bhello%7D', nodeArgs);
}
