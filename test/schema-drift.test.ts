import fs from 'node:fs';
import path from 'node:path';
import { buildSchema } from 'graphql';
import { printWardenSchema } from '../src/graphql/schema';

describe('schema/schema.graphql', () => {
  test('is exactly what the type-graphql classes emit (run `npm run schema` after changing them)', async () => {
    const checkedIn = fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8');
    expect(checkedIn).toBe(await printWardenSchema());
  });

  const copy = fs.readFileSync(path.join(__dirname, 'contract', 'contract.graphql'), 'utf8');

  test('test/contract/contract.graphql is the contract as published (when ../shared/CONTRACT.md is beside the repo)', () => {
    const contractFile = path.join(__dirname, '..', '..', 'shared', 'CONTRACT.md');
    if (!fs.existsSync(contractFile)) return; // an outside clone carries only the copy
    const published = /```graphql\n([\s\S]+?)```/.exec(fs.readFileSync(contractFile, 'utf8'))![1]!;
    expect(copy.endsWith(published)).toBe(true);
  });

  test('is a superset of the contract schema', () => {
    const contract = buildSchema(copy);
    const ours = buildSchema(fs.readFileSync(path.join(__dirname, '..', 'schema', 'schema.graphql'), 'utf8'));
    for (const [name, type] of Object.entries(contract.getTypeMap())) {
      if (name.startsWith('__')) continue;
      const mine = ours.getType(name);
      expect(mine?.constructor.name).toBe(type.constructor.name);
      if ('getFields' in type && mine && 'getFields' in mine) {
        const theirs = type.getFields() as Record<string, { type: unknown; args?: { name: string; type: unknown }[] }>;
        const fields = mine.getFields() as Record<string, { type: unknown; args?: { name: string; type: unknown }[] }>;
        for (const [fieldName, field] of Object.entries(theirs)) {
          expect(`${name}.${fieldName}: ${String(fields[fieldName]?.type)}`).toBe(`${name}.${fieldName}: ${String(field.type)}`);
          for (const arg of field.args ?? []) {
            const ourArg = fields[fieldName]!.args!.find((a) => a.name === arg.name);
            expect(`${name}.${fieldName}(${arg.name}: ${String(ourArg?.type)})`).toBe(`${name}.${fieldName}(${arg.name}: ${String(arg.type)})`);
          }
        }
      }
      if ('getValues' in type && mine && 'getValues' in mine) {
        expect(mine.getValues().map((v) => v.name)).toEqual(expect.arrayContaining(type.getValues().map((v) => v.name)));
      }
    }
  });
});
