import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from './start-test-app';
import { hasRedisServerBinary, startPrivateRedis, type PrivateRedis } from './private-redis';
import { TcpProxy } from './pubsub-proxy';

const realRedis = process.env.REDIS_URL ? new URL(process.env.REDIS_URL) : null;

/** Two instances need a Redis both reach: REDIS_URL, or a redis-server binary to start a private one. */
export const twoInstancesCanRun = realRedis !== null || hasRedisServerBinary;
export const describeTwoInstances = twoInstancesCanRun ? describe : describe.skip;
export const twoInstancesTitle = twoInstancesCanRun ? '' : ' (requires REDIS_URL or a redis-server binary: skipped)';

/** 1 while the instance answers revocation checks (and cached profiles) from its local copy, 0 while it asks Redis. */
export async function revocationsLocal(t: TestApp): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/^warden_revocations_local (\d)/m.exec(text)?.[1] ?? NaN);
}

export async function until(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface TwoInstances {
  /** Talks to Redis directly. */
  a: TestApp;
  /** Shares A's schema, keys and secret; talks to Redis through `proxy`, whose network tests break. */
  b: TestApp;
  proxy: TcpProxy;
  close(): Promise<void>;
}

/** Two instances of one deployment, B's pub/sub current when this returns. */
export async function startTwoInstances(label: string): Promise<TwoInstances> {
  let privateRedis: PrivateRedis | null = null;
  let target: { host: string; port: number };
  if (realRedis) {
    target = { host: realRedis.hostname, port: Number(realRedis.port || 6379) };
  } else {
    privateRedis = await startPrivateRedis();
    target = { host: '127.0.0.1', port: privateRedis.ports[0]! };
  }
  const proxy = await TcpProxy.start(target);
  const prefix = `test:${label}:${randomUUID()}:`;
  const direct = realRedis ? process.env.REDIS_URL! : `redis://127.0.0.1:${target.port}`;
  const a = await startTestApp({ env: { REDIS_URL: direct, REDIS_KEY_PREFIX: prefix } });
  const b = await startTestApp({ shareWith: a, env: { REDIS_URL: proxy.url, REDIS_KEY_PREFIX: prefix } });
  await until(async () => (await revocationsLocal(b)) === 1, 'B answers from its local copy');
  return {
    a,
    b,
    proxy,
    async close() {
      await b.close();
      await a.close();
      await proxy.stop();
      await privateRedis?.stop();
    },
  };
}
