import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { moduleEntities, moduleResolvers, wardenModules } from '.';

/** Classes exported by every src/modules/<cap>/*<suffix> file. */
function exportedClasses(suffix: string): { file: string; type: unknown }[] {
  return fs.readdirSync(__dirname, { withFileTypes: true }).flatMap((dir) => {
    if (!dir.isDirectory()) return [];
    return fs
      .readdirSync(path.join(__dirname, dir.name))
      .filter((name) => name.endsWith(suffix))
      .flatMap((name) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- load every file of the folder by name
        const exports = require(path.join(__dirname, dir.name, name)) as Record<string, unknown>;
        return Object.values(exports)
          .filter((value) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value)))
          .map((type) => ({ file: `${dir.name}/${name}`, type }));
      });
  });
}

describe('the module list (src/modules/index.ts)', () => {
  test('every folder under src/modules has a descriptor in the list, once', () => {
    const folders = fs
      .readdirSync(__dirname, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(wardenModules.map((m) => m.name).sort()).toEqual(folders);
  });

  test('every entity file is in a descriptor (else TypeORM would not know its table)', () => {
    const missing = exportedClasses('.entity.ts').filter(({ type }) => !moduleEntities.includes(type as never));
    expect(missing.map((m) => m.file)).toEqual([]);
  });

  test('every resolver file is in a descriptor (else its operations would be missing from the schema)', () => {
    const resolvers = exportedClasses('.resolver.ts');
    expect(resolvers.length).toBeGreaterThanOrEqual(6);
    expect(resolvers.filter(({ type }) => !moduleResolvers.includes(type as never)).map((m) => m.file)).toEqual([]);
  });
});
