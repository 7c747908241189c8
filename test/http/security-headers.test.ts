import { startTestApp, type TestApp } from '../support/start-test-app';
import { productionRedisEnv } from '../support/attack';

jest.setTimeout(60_000);

const routes: { name: string; init?: RequestInit; path: string }[] = [
  {
    name: 'POST /graphql',
    path: '/graphql',
    init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ viewer { id } }' }) },
  },
  {
    name: 'GET /graphql (query)',
    path: `/graphql?query=${encodeURIComponent('{ viewer { id } }')}`,
    init: { headers: { 'apollo-require-preflight': 'true' } },
  },
  { name: 'GET /graphql (Sandbox page)', path: '/graphql', init: { headers: { accept: 'text/html' } } },
  { name: 'GET /healthz', path: '/healthz' },
  { name: 'GET /readyz', path: '/readyz' },
  { name: 'GET /metrics', path: '/metrics' },
  { name: 'GET /.well-known/jwks.json', path: '/.well-known/jwks.json' },
  { name: 'GET unknown route (404)', path: '/nope' },
  { name: 'POST /graphql with bad JSON (400)', path: '/graphql', init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' } },
];

describe.each([['development'], ['production']])('security headers on every route (NODE_ENV=%s)', (nodeEnv) => {
  let t: TestApp;
  let redis: Awaited<ReturnType<typeof productionRedisEnv>> | null = null;
  beforeAll(async () => {
    if (nodeEnv === 'production') redis = await productionRedisEnv();
    t = await startTestApp({ env: { NODE_ENV: nodeEnv, METRICS_TOKEN: 'metrics-token-0123456789', ...redis?.env } });
  });
  afterAll(async () => {
    await t.close();
    await redis?.stop();
  });

  test.each(routes)('$name: nosniff and frame-ancestors none', async ({ path, init }) => {
    const response = await fetch(`${t.url}${path}`, init);
    await response.arrayBuffer();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toMatch(/(^|;)\s*frame-ancestors 'none'/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    if (nodeEnv === 'production') expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  test('every GraphQL answer (they carry tokens) is no-store', async () => {
    for (const { path, init } of routes.filter((r) => r.path.startsWith('/graphql') && !r.name.includes('bad JSON'))) {
      const response = await fetch(`${t.url}${path}`, init);
      await response.arrayBuffer();
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
  });
});
