import fs from 'node:fs';
import path from 'node:path';

const srcDir = path.join(__dirname, '..');

function files(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return files(full, suffix);
    return entry.name.endsWith(suffix) ? [full] : [];
  });
}

const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);

describe('layering (STYLE.md rules 1 and 9)', () => {
  test('resolvers stay a transport: no typeorm, ioredis, jose, bcryptjs, nodemailer or twilio', () => {
    const forbidden = ['typeorm', 'ioredis', 'jose', 'bcryptjs', 'nodemailer', 'twilio'];
    const resolvers = files(srcDir, '.resolver.ts');
    expect(resolvers.length).toBeGreaterThanOrEqual(6);
    const offending = resolvers.flatMap((file) =>
      importsOf(file)
        .filter((spec) => forbidden.includes(spec))
        .map((spec) => `${path.relative(srcDir, file)} imports ${spec}`),
    );
    expect(offending).toEqual([]);
  });

  test('nothing outside src/config reads process.env', () => {
    const offending = files(srcDir, '.ts')
      .filter((file) => !file.endsWith('.test.ts') && !file.includes(`${path.sep}config${path.sep}`))
      .filter((file) => /process\.env\b/.test(fs.readFileSync(file, 'utf8')))
      .map((file) => path.relative(srcDir, file));
    expect(offending).toEqual([]);
  });
});
