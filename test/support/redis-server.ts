import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';

/** True when a redis-server binary is on PATH (fault tests start their own; never the shared one). */
export const hasRedisServerBinary = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/**
 * A private redis-server on a random port in 7000–7999, no persistence, owned by one test file: it can
 * be killed and restarted to simulate Redis going down, without touching the machine's shared Redis.
 */
export class RedisServer {
  private process: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<RedisServer> {
    for (let tries = 0; tries < 10; tries++) {
      const server = new RedisServer(7000 + Math.floor(Math.random() * 1000));
      if (await pong(server.port)) continue; // someone else's
      try {
        await server.restart();
        return server;
      } catch {
        await server.stop();
      }
    }
    throw new Error('could not start a private redis-server');
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.process !== null;
  }

  /** Starts (again) on the same port and waits until it answers PING. */
  async restart(): Promise<void> {
    if (this.process) return;
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    this.process = child;
    let exited = false;
    child.once('exit', () => {
      exited = true;
      if (this.process === child) this.process = null;
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`redis-server on port ${this.port} exited at start`);
      if (await pong(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not answer`);
  }

  /** Kills it (SIGKILL: as abrupt as a crash) and waits for the exit. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.process = null;
  }
}
