import net from 'node:net';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { productionRedisEnv } from '../support/attack';

jest.setTimeout(60_000);

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('/metrics in production: only with METRICS_TOKEN or on METRICS_PORT', () => {
  const apps: TestApp[] = [];
  let redis: Awaited<ReturnType<typeof productionRedisEnv>>;
  beforeAll(async () => {
    redis = await productionRedisEnv();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await redis?.stop();
  });
  const start = async (env: Record<string, string>) => {
    const app = await startTestApp({ env: { NODE_ENV: 'production', ...redis.env, ...env } });
    apps.push(app);
    return app;
  };

  test('neither set: 404 (the counters tell decoys from real accounts)', async () => {
    const t = await start({});
    const response = await fetch(`${t.url}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.text()).not.toMatch(/warden_/);
  });

  test('METRICS_TOKEN: 401 without the bearer token, the counters with it', async () => {
    const token = 'scrape-token-0123456789abcdef';
    const t = await start({ METRICS_TOKEN: token });
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const ok = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# HELP /m);
  });

  test('METRICS_PORT: served there, with the security headers, and not on the API port', async () => {
    const port = await freePort();
    const t = await start({ METRICS_PORT: String(port) });
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    const ok = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/^# HELP /m);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
  });

  test('outside production /metrics stays open without a token', async () => {
    const app = await startTestApp({ env: { NODE_ENV: 'test' } });
    apps.push(app);
    expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
  });
});
