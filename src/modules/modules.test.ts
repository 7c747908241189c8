import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { moduleEntities, moduleResolvers, wardenModules } from '.';
import { moduleDeclarations } from './declarations';
import { AuditEvents } from './audit/audit-events';
import { fieldLimitNames } from './rate-limits/field-limits';
import { OtpPurpose } from './otp/otp.enums';
import { coreErrorCodes, errorCodes } from '../errors/error-codes';
import { coreLimits, defaultLimits, limitTable } from '../config/limits';
import { coreInputBounds, maxLengthByField } from '../graphql/input-guard';

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

describe('the declarations (src/modules/declarations.ts and each <cap>.declarations.ts)', () => {
  const kinds = ['auditEvents', 'rateLimits', 'limits', 'codePurposes', 'errorCodes', 'inputBounds'] as const;

  test('every descriptor carries the declarations the list holds for its module, and the list names no other module', () => {
    for (const m of wardenModules) {
      const declared = (moduleDeclarations as Record<string, Record<string, unknown>>)[m.name] ?? {};
      for (const kind of kinds) expect({ module: m.name, kind, value: m[kind] }).toEqual({ module: m.name, kind, value: declared[kind] });
    }
    expect(Object.keys(moduleDeclarations).filter((name) => !wardenModules.some((m) => m.name === name))).toEqual([]);
  });

  test.each(kinds)('no %s name is declared twice (across modules, or beside the core table)', (kind) => {
    const names = wardenModules.flatMap((m) => {
      const field = m[kind];
      if (!field) return [];
      return Array.isArray(field) ? field.map(String) : Object.keys(field);
    });
    const core: Record<(typeof kinds)[number], string[]> = {
      auditEvents: [],
      rateLimits: [],
      limits: Object.keys(coreLimits),
      codePurposes: [],
      errorCodes: Object.keys(coreErrorCodes),
      inputBounds: Object.keys(coreInputBounds),
    };
    const all = [...core[kind], ...names];
    expect(all.filter((name, i) => all.indexOf(name) !== i)).toEqual([]);
  });

  test('audit event names, limit variables and field-limit prefixes are unique and follow their conventions', () => {
    const eventNames = wardenModules.flatMap((m) => Object.values(m.auditEvents ?? {}));
    expect(eventNames.filter((n, i) => eventNames.indexOf(n) !== i)).toEqual([]);
    expect(eventNames.filter((n) => !/^[a-z_]+\.[a-z_]+$/.test(n))).toEqual([]);
    const envs = limitTable.map((d) => d.env);
    expect(envs.filter((n, i) => envs.indexOf(n) !== i)).toEqual([]);
    // A per-IP limit is named after the module whose mutation it guards.
    const misplaced = wardenModules.flatMap((m) => (m.rateLimits ?? []).filter((n) => !n.startsWith(`${m.name}.`)).map((n) => `${m.name}: ${n}`));
    expect(misplaced).toEqual([]);
  });

  test('the derived tables hold exactly what the descriptors declare', () => {
    const from = <T>(pick: (m: (typeof wardenModules)[number]) => T | undefined) => wardenModules.flatMap((m) => pick(m) ?? []);
    expect(Object.entries(AuditEvents).sort()).toEqual(from((m) => Object.entries(m.auditEvents ?? {})).sort());
    expect([...fieldLimitNames].sort()).toEqual(from((m) => m.rateLimits?.slice()).sort());
    expect(Object.keys(OtpPurpose).sort()).toEqual(from((m) => m.codePurposes?.slice()).sort());
    expect([...errorCodes].sort()).toEqual([...Object.keys(coreErrorCodes), ...from((m) => Object.keys(m.errorCodes ?? {}))].sort());
    expect(Object.keys(defaultLimits).sort()).toEqual([...Object.keys(coreLimits), ...from((m) => Object.keys(m.limits ?? {}))].sort());
    expect(Object.keys(maxLengthByField).sort()).toEqual([...Object.keys(coreInputBounds), ...from((m) => Object.keys(m.inputBounds ?? {}))].sort());
  });

  test('every default limit lies within its own bounds', () => {
    expect(limitTable.filter((d) => !(d.min <= d.default && d.default <= d.max) || !Number.isInteger(d.default)).map((d) => d.env)).toEqual([]);
  });
});
