import net from 'node:net';
import { startTestApp } from '../support/start-test-app';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startError(env: Record<string, string>): Promise<string> {
  try {
    const t = await startTestApp({ env });
    await t.close();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the app started');
}

// What main.ts prints before it exits 1: the variable, where it points (password masked) and why.
describe('a dependency unreachable at start is named with its variable', () => {
  test('PostgreSQL: DATABASE_URL', async () => {
    const port = await closedPort();
    const message = await startError({ DATABASE_URL: `postgres://warden:s3cret-pw@127.0.0.1:${port}/warden?sslmode=disable`, DATABASE_SCHEMA: 'unreachable' });
    expect(message).toBe(`DATABASE_URL: cannot reach postgres://warden:***@127.0.0.1:${port}/warden (connect ECONNREFUSED)`);
  });

  test('Redis: REDIS_URL', async () => {
    const port = await closedPort();
    const message = await startError({ REDIS_URL: `redis://default:s3cret-pw@127.0.0.1:${port}` });
    expect(message).toBe(`REDIS_URL: cannot reach redis://default:***@127.0.0.1:${port} (connect ECONNREFUSED)`);
  });

  test('Redis Cluster: REDIS_CLUSTER_NODES', async () => {
    const port = await closedPort();
    const message = await startError({ REDIS_URL: '', REDIS_CLUSTER_NODES: `127.0.0.1:${port}` });
    expect(message).toMatch(new RegExp(`^REDIS_CLUSTER_NODES: cannot reach 127\\.0\\.0\\.1:${port} \\(`));
  });

  test('SMTP: SMTP_URL', async () => {
    const port = await closedPort();
    const message = await startError({ SMTP_URL: `smtp://mailer:s3cret-pw@127.0.0.1:${port}` });
    expect(message).toBe(`SMTP_URL: cannot reach smtp://mailer:***@127.0.0.1:${port} (connect ECONNREFUSED)`);
  });
});
