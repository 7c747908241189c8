import { routeTable } from '../../src/http/routes';
import { startTestApp, type TestApp } from '../support/start-test-app';

/** `METHOD path` of every route in Fastify's route listing; HEAD is left out where a GET serves the same path. */
function registeredRoutes(listing: string): string[] {
  const routes = [...listing.matchAll(/^[│ ]*[├└]── (\S+) \(([A-Z, ]+)\)$/gm)].flatMap(([, path, methods]) => {
    const list = methods!.split(', ');
    return list.filter((m) => !(m === 'HEAD' && list.includes('GET'))).map((m) => `${m} ${path}`);
  });
  return [...new Set(routes)].sort();
}

describe('plain routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  test("every route Fastify registers is declared (src/http/routes.ts or a module's httpRoutes), and every declared route is registered", () => {
    const registered = registeredRoutes(t.app.fastify.printRoutes({ commonPrefix: false }));
    expect(registered.length).toBeGreaterThanOrEqual(8);
    expect(registered).toEqual(
      routeTable()
        .map((r) => `${r.method} ${r.path}`)
        .sort(),
    );
  });

  test('GET /healthz answers 200 while the process runs', async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  test('GET /readyz answers 200 with each dependency checked', async () => {
    const res = await fetch(`${t.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', checks: { postgres: 'ok', store: 'ok' } });
  });

  test('GET /.well-known/jwks.json publishes public keys only, each with a kid', async () => {
    const res = await fetch(`${t.url}/.well-known/jwks.json`);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(typeof key.kid).toBe('string');
      expect(key.d).toBeUndefined();
    }
  });

  test('CORS lets the frontend origin send credentials; other origins get no CORS grant', async () => {
    const allowed = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://app.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://app.test');
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await fetch(`${t.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
