import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/config';

// No Docker engine runs where the tests run: these check that the compose file and the Dockerfile say what
// the README promises, and that the gateway would accept the environment compose gives it.
const root = path.resolve(__dirname, '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
  const { services } = compose;

  test('has PostgreSQL, Redis, Mailpit and the gateway built from the Dockerfile, each with a health check', () => {
    expect(Object.keys(services).sort()).toEqual(['mailpit', 'postgres', 'redis', 'warden']);
    for (const [name, service] of Object.entries(services)) expect(`${name}: ${(service.healthcheck?.test?.length ?? 0) > 0}`).toBe(`${name}: true`);
    expect(services.warden!.build).toBe('.');
    expect(services.mailpit!.ports).toEqual(expect.arrayContaining([expect.stringMatching(/^"?8025:8025/), expect.stringMatching(/^"?1025:1025/)]));
  });

  test('the gateway starts only once its backends are healthy, and is healthy when /readyz answers', () => {
    const warden = services.warden!;
    expect(warden.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      mailpit: { condition: 'service_healthy' },
    });
    expect(warden.healthcheck!.test.join(' ')).toContain('/readyz');
  });

  test("the gateway's environment is valid Warden config pointing at the compose services", () => {
    const config = loadConfig(services.warden!.environment!);
    expect(new URL(config.databaseUrl!).host).toBe('postgres:5432');
    expect(new URL(config.redisUrl!).host).toBe('redis:6379');
    expect(new URL(config.smtpUrl!).host).toBe('mailpit:1025');
    expect(config.port).toBe(4000);
    const env = services.postgres!.environment!;
    expect(config.databaseUrl).toBe(`postgres://${env.POSTGRES_USER}:${env.POSTGRES_PASSWORD}@postgres:5432/${env.POSTGRES_DB}`);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const ignored = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  test('multi-stage: npm ci and build, then a slim runtime with production dependencies running dist/src/main.js', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    // Both stages on Node 24 LTS, the version CI runs (.ci/node-version).
    expect(dockerfile.match(/^FROM node:24-/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/RUN npm ci [^\n]*\nCOPY[\s\S]*RUN npm run build/);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(dockerfile).toContain('CMD ["node", "dist/src/main.js"]');
    // npm start is the same, plus a `.env` when there is one (npm run warden -- init); the image takes the environment only.
    expect(JSON.parse(read('package.json')).scripts.start).toBe('node --env-file-if-exists=.env dist/src/main.js');
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/readyz/);
    expect(dockerfile).toMatch(/^USER node$/m);
  });

  test('every path the build copies exists and is not excluded by .dockerignore', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'migrations']));
    for (const source of copied) {
      expect(fs.existsSync(path.join(root, source))).toBe(true);
      expect(ignored).not.toContain(source);
    }
    for (const heavy of ['node_modules', '.git', 'dist', '.data', 'test', '.env']) expect(ignored).toContain(heavy);
  });
});
