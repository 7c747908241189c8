import fs from 'node:fs';
import path from 'node:path';
import { buildSchema, Kind, parse, type OperationDefinitionNode } from 'graphql';
import codegenConfig from '../codegen';
import { exampleWebDir, generateInMemory, repoRoot, typecheckExampleWeb } from './support/example-web';

jest.setTimeout(240_000);

const listFiles = (dir: string): string[] =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()) : [];

describe('codegen: typed documents for the tests and for frontends', () => {
  let outputs: { filename: string; content: string }[];
  beforeAll(async () => {
    // The same config `npm run codegen` uses, generated in memory (nothing is written). It fails when an
    // operation does not validate against schema/schema.graphql.
    outputs = await generateInMemory();
  });

  test.each(Object.keys(codegenConfig.generates))('%s is what `npm run codegen` produces now (not stale)', (target) => {
    const dir = path.resolve(repoRoot, target);
    const mine = outputs.filter((o) => path.resolve(repoRoot, o.filename).startsWith(dir + path.sep));
    expect(mine.length).toBeGreaterThan(0);
    for (const output of mine) {
      const file = path.resolve(repoRoot, output.filename);
      const checkedIn = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '(missing)';
      if (checkedIn !== output.content) throw new Error(`${path.relative(repoRoot, file)} is stale: run \`npm run codegen\` and commit the result`);
    }
    const expected = mine.map((o) => path.relative(dir, path.resolve(repoRoot, o.filename))).sort();
    expect(listFiles(dir).sort()).toEqual(expected); // no leftovers from removed documents
  });

  test('examples/operations has an operation for every Query and Mutation field of the contract, and only valid ones', () => {
    const contract = buildSchema(fs.readFileSync(path.join(repoRoot, 'test', 'contract', 'contract.graphql'), 'utf8'));
    const wanted = [
      ...Object.keys(contract.getQueryType()!.getFields()).map((f) => `query.${f}`),
      ...Object.keys(contract.getMutationType()!.getFields()).map((f) => `mutation.${f}`),
    ];
    const dir = path.join(repoRoot, 'examples', 'operations');
    const used = new Set<string>();
    const fragments = new Set<string>();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.graphql'))) {
      for (const definition of parse(fs.readFileSync(path.join(dir, file), 'utf8')).definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.add(`${definition.name.value} on ${definition.typeCondition.name.value}`);
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const op = definition as OperationDefinitionNode;
        for (const selection of op.selectionSet.selections) if (selection.kind === Kind.FIELD) used.add(`${op.operation}.${selection.name.value}`);
      }
    }
    expect(wanted.filter((w) => !used.has(w))).toEqual([]);
    expect([...fragments]).toEqual(expect.arrayContaining(['UserFields on User', 'AuthPayloadFields on AuthPayload']));
  });

  test('the generated documents are typed: an Apollo/urql-ready TypedDocumentNode per operation', () => {
    const generated = fs.readFileSync(path.join(exampleWebDir, 'src', 'generated', 'graphql.ts'), 'utf8');
    expect(generated).toContain("import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';");
    for (const name of ['Signup', 'Login', 'VerifyOtp', 'RefreshSession', 'Logout', 'RevokeSession', 'VerifyMagicLink', 'ResetPassword']) {
      expect(generated).toMatch(new RegExp(`export const ${name}Document = .* as unknown as DocumentNode<${name}Mutation, ${name}MutationVariables>;`));
    }
    expect(generated).toMatch(/export const ViewerDocument = .* as unknown as DocumentNode<ViewerQuery, ViewerQueryVariables>;/);
  });

  test('examples/web declares the versions the root installs for it (the browser test builds it with the root node_modules)', () => {
    const root = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    const web = JSON.parse(fs.readFileSync(path.join(exampleWebDir, 'package.json'), 'utf8'));
    const rootVersions = { ...root.dependencies, ...root.devDependencies } as Record<string, string>;
    // A workspace of the root (@warden/client) is linked into the root node_modules: the example names its folder.
    for (const folder of fs.readdirSync(path.join(repoRoot, 'packages'))) {
      const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'packages', folder, 'package.json'), 'utf8')) as { name: string };
      rootVersions[pkg.name] = `file:../../packages/${folder}`;
    }
    for (const [name, range] of Object.entries({ ...web.dependencies, ...web.devDependencies } as Record<string, string>)) {
      expect(`${name}@${rootVersions[name]}`).toBe(`${name}@${range}`);
    }
  });

  test('examples/web type-checks against the generated documents (tsc --noEmit)', async () => {
    await expect(typecheckExampleWeb()).resolves.toBeUndefined();
  });
});
