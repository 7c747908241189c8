import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { parseEnv } from 'node:util';
import { ConfigError, loadConfig } from '../config/config';
import { SigningKeys } from '../crypto/signing-keys';
import { listVariables } from '../config/variables';
import { PLACEHOLDERS, initEnvFile } from './init';

const filled = {
  DATABASE_URL: 'postgres://db.internal/warden',
  REDIS_URL: 'redis://cache.internal',
  SMTP_URL: 'smtp://mail.internal:25',
  MAIL_FROM: 'Example <no-reply@example.com>',
  PUBLIC_URL: 'https://auth.example.com',
  APP_URL: 'https://app.example.com',
};

describe('warden init', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-init-'));
    file = path.join(dir, '.env');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const read = () => parseEnv(fs.readFileSync(file, 'utf8')) as Record<string, string>;

  test('writes NODE_ENV=production, an Ed25519 key that signs and verifies, a long random secret; private to its owner', async () => {
    expect(initEnvFile(file)).toEqual({ written: true, toFill: PLACEHOLDERS.map((p) => p.name) });
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const env = read();
    expect(env.NODE_ENV).toBe('production');
    expect(env.WARDEN_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(env.WARDEN_SECRET).toMatch(/^[A-Za-z0-9_-]+$/);

    const keys = await SigningKeys.load([env.JWT_PRIVATE_KEY!]);
    expect(keys.current.alg).toBe('EdDSA');
    const now = new Date();
    const options = { issuer: 'https://auth.example.com', audience: 'https://auth.example.com' };
    const token = await keys.sign({ sid: 's1' }, { ...options, subject: 'u1', issuedAt: now, expiresAt: new Date(now.getTime() + 60_000) });
    await expect(keys.verify(token, { ...options, now })).resolves.toMatchObject({ sub: 'u1', sid: 's1' });
  });

  test('each run makes a new key and secret', () => {
    initEnvFile(file);
    const first = read();
    initEnvFile(file, { force: true });
    const second = read();
    expect(second.JWT_PRIVATE_KEY).not.toBe(first.JWT_PRIVATE_KEY);
    expect(second.WARDEN_SECRET).not.toBe(first.WARDEN_SECRET);
  });

  test('refuses to overwrite an existing file without force', () => {
    fs.writeFileSync(file, 'DATABASE_URL=postgres://kept/warden\n');
    expect(initEnvFile(file).written).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('DATABASE_URL=postgres://kept/warden\n');
    expect(initEnvFile(file, { force: true }).written).toBe(true);
    expect(read().NODE_ENV).toBe('production');
  });

  test('--force replaces the file (a new 0600 file renamed over it), never writes through a symlink, leaves no temp file', () => {
    // A world-readable file, then a symlink to another file: --force must not open either for writing.
    fs.writeFileSync(file, 'OLD=1\n', { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const oldInode = fs.statSync(file).ino;
    expect(initEnvFile(file, { force: true }).written).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(file).ino).not.toBe(oldInode); // a new file, private from its creation
    const elsewhere = path.join(dir, 'elsewhere.txt');
    fs.writeFileSync(elsewhere, 'not yours\n', { mode: 0o644 });
    fs.rmSync(file);
    fs.symlinkSync(elsewhere, file);
    expect(initEnvFile(file, { force: true }).written).toBe(true);
    expect(fs.readFileSync(elsewhere, 'utf8')).toBe('not yours\n');
    expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(read().NODE_ENV).toBe('production');
    expect(fs.readdirSync(dir).sort()).toEqual(['.env', 'elsewhere.txt']);
  });

  test('loadConfig refuses only the placeholders; filled in, the file is a complete production configuration', () => {
    initEnvFile(file);
    const env = read();
    for (const { name } of PLACEHOLDERS) expect(env[name]).toBe('');
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/DATABASE_URL/);
    const config = loadConfig({ ...env, ...filled });
    expect(config).toMatchObject({ isProduction: true, publicUrl: 'https://auth.example.com', secretKey: env.WARDEN_SECRET, smtpUrl: filled.SMTP_URL });
    expect(config.jwtPrivateKeys).toEqual([env.JWT_PRIVATE_KEY]);
  });

  test('node --env-file reads the same values (how npm start loads it)', () => {
    initEnvFile(file);
    const seen = execFileSync(
      process.execPath,
      [`--env-file=${file}`, '-e', 'process.stdout.write(JSON.stringify([process.env.JWT_PRIVATE_KEY, process.env.WARDEN_SECRET]))'],
      {
        env: { PATH: process.env.PATH },
      },
    );
    const env = read();
    expect(JSON.parse(seen.toString())).toEqual([env.JWT_PRIVATE_KEY, env.WARDEN_SECRET]);
    expect(env.JWT_PRIVATE_KEY).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----$/);
  });
});

describe('warden init and .env.example agree on what production needs', () => {
  const required = listVariables()
    .filter((v) => v.required === 'production')
    .map((v) => v.env)
    .sort();
  const example = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', '.env.example'), 'utf8');

  test('.env.example sets (empty) exactly the variables production requires, and names every other one commented out', () => {
    expect(Object.keys(parseEnv(example)).sort()).toEqual(required);
    const missing = listVariables().filter((v) => !new RegExp(`^(# )?${v.env.replace(/[<>]/g, '\\$&')}=`, 'm').test(example));
    expect(missing.map((v) => v.env)).toEqual([]);
  });

  test('the file init writes holds every required variable, and only variables the process reads', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-init-'));
    try {
      const file = path.join(dir, '.env');
      initEnvFile(file);
      const written = Object.keys(parseEnv(fs.readFileSync(file, 'utf8')));
      expect(required.filter((name) => !written.includes(name))).toEqual([]);
      const known = listVariables().map((v) => v.env);
      expect(written.filter((name) => !known.includes(name))).toEqual([]);
      // What it leaves to fill in is exactly what production requires and init cannot generate (the key and the secret).
      expect(PLACEHOLDERS.map((p) => p.name).sort()).toEqual(required.filter((n) => n !== 'JWT_PRIVATE_KEY' && n !== 'WARDEN_SECRET').sort());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

test("the README's production paragraph names every variable production requires, .env.example and warden init", () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const paragraph = readme.slice(readme.indexOf('**Production**'), readme.indexOf('Delete `.data/`'));
  const required = listVariables().filter((v) => v.required === 'production');
  expect(required.filter((v) => !paragraph.includes(`\`${v.env}\``)).map((v) => v.env)).toEqual([]);
  expect(paragraph).toContain('.env.example');
  expect(paragraph).toContain('npm run warden -- init');
});

test('.env.example with every default uncommented configures exactly what nothing set does (its defaults are the real ones)', () => {
  const example = fs.readFileSync(path.join(__dirname, '..', '..', 'examples', '.env.example'), 'utf8');
  const uncommented = example
    .split('\n')
    .filter((line) => /^# [A-Z0-9_]+=/.test(line))
    .map((line) => line.slice(2))
    .join('\n');
  const defaults = parseEnv(uncommented) as Record<string, string>;
  expect(Object.keys(defaults).length).toBe(listVariables().filter((v) => !v.pattern && !v.required).length);
  const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/warden-example' };
  expect(loadConfig({ ...defaults, ...base })).toEqual(loadConfig(base));
});
