import fc from 'fast-check';
import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { buildWardenSchema } from '../../src/graphql/schema';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { signUpAndVerify, uniqueEmail, PASSWORD } from '../support/flows';

jest.setTimeout(300_000);

/** A plausible value for every string leaf that is not under test, so only the bad one is refused. */
function validString(leaf: string): string {
  if (leaf === 'email') return uniqueEmail('guard');
  if (leaf === 'phone') return '+33612345678';
  if (leaf === 'password' || leaf === 'newPassword') return PASSWORD;
  if (leaf === 'challengeId' || leaf === 'id') return '00000000-0000-4000-8000-000000000000';
  if (leaf === 'logoUrl' || leaf === 'redirectTo') return 'http://app.test/';
  if (leaf === 'code') return '123456';
  return 'plain text';
}

interface StringPath {
  mutation: string;
  path: string[];
}

/** Every String or ID argument of every mutation, nested input fields included, as an argument path. */
function stringPaths(schema: GraphQLSchema): { mutations: Map<string, { args: { name: string; type: GraphQLInputType }[] }>; paths: StringPath[] } {
  const mutationType = schema.getMutationType()!;
  const mutations = new Map<string, { args: { name: string; type: GraphQLInputType }[] }>();
  const paths: StringPath[] = [];
  const walk = (mutation: string, type: GraphQLInputType, path: string[]) => {
    const named = getNamedType(type);
    if (isScalarType(named) && (named.name === 'String' || named.name === 'ID')) paths.push({ mutation, path });
    if (isInputObjectType(named)) for (const field of Object.values(named.getFields())) walk(mutation, field.type, [...path, field.name]);
  };
  for (const field of Object.values(mutationType.getFields())) {
    mutations.set(field.name, { args: field.args.map((a) => ({ name: a.name, type: a.type })) });
    for (const arg of field.args) walk(field.name, arg.type, [arg.name]);
  }
  return { mutations, paths };
}

/** Variables with valid values everywhere (required fields and the target's ancestors), `bad` at `target`. */
function buildValue(type: GraphQLInputType, path: string[], target: string[] | null, bad: string): unknown {
  const named = getNamedType(type);
  const onTarget = target !== null && target.length > 0 && path.every((p, i) => target[i] === p);
  if (onTarget && path.length === target.length) return bad;
  const nullable = getNullableType(type);
  // A list (createRole's permissions): one element, valid or `bad` as above.
  if (isListType(nullable)) return [buildValue(nullable.ofType as GraphQLInputType, path, target, bad)];
  if (isInputObjectType(named)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(named.getFields())) {
      const childPath = [...path, field.name];
      const leadsToTarget = target !== null && childPath.every((p, i) => target[i] === p);
      if (isNonNullType(field.type) || leadsToTarget) out[field.name] = buildValue(field.type, childPath, target, bad);
    }
    return out;
  }
  // A number or a flag that is not under test (rotateApiKey's overlapSeconds): a valid one.
  if (isScalarType(named) && named.name === 'Int') return 60;
  if (isScalarType(named) && named.name === 'Boolean') return false;
  if (isLeafType(getNullableType(type)) && isScalarType(named)) return validString(path.at(-1)!);
  return null;
}

function operation(schema: GraphQLSchema, mutation: string, args: { name: string; type: GraphQLInputType }[]): string {
  const returnType = getNamedType(schema.getMutationType()!.getFields()[mutation]!.type);
  const selection = isLeafType(returnType) ? '' : ' { __typename }';
  const defs = args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
  const call = args.map((a) => `${a.name}: $${a.name}`).join(', ');
  return `mutation M${defs ? `(${defs})` : ''} { ${mutation}${call ? `(${call})` : ''}${selection} }`;
}

describe('no input reaches PostgreSQL unchecked: every string argument of every mutation', () => {
  let t: TestApp;
  let schema: GraphQLSchema;
  let headers: Record<string, string>;
  let tables: string[];

  beforeAll(async () => {
    t = await startTestApp();
    schema = await buildWardenSchema();
    const session = await signUpAndVerify(t, t.client());
    headers = { authorization: `Bearer ${session.accessToken}` };
    const rows = (await t.app.dataSource.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE'`, [
      t.env.DATABASE_SCHEMA,
    ])) as {
      table_name: string;
    }[];
    tables = rows.map((r) => r.table_name).filter((name) => !/migration/i.test(name));
    expect(tables.length).toBeGreaterThan(3);
  });
  afterAll(() => t?.close());

  async function rowCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const name of tables) counts[name] = Number(((await t.app.dataSource.query(`SELECT count(*) AS n FROM ${t.table(name)}`)) as { n: string }[])[0]!.n);
    return counts;
  }

  async function call(target: StringPath, bad: string) {
    const { mutations } = stringPaths(schema);
    const args = mutations.get(target.mutation)!.args;
    const variables = Object.fromEntries(args.map((a) => [a.name, buildValue(a.type, [a.name], target.path, bad)]));
    const body = JSON.stringify({ query: operation(schema, target.mutation, args), variables });
    return rawPost(t.url, body, headers);
  }

  const cases: [string, string][] = [
    ['NUL', 'a\u0000b@example.com'],
    ['lone high surrogate', 'a\ud800b@example.com'],
    ['lone low surrogate', 'a\udc00b'],
    ['10 kB', 'a'.repeat(10 * 1024)],
    ['C0 control (ESC)', 'a\u001bb'],
    ['C1 control (NEL)', 'a\u0085b'],
    ['DEL', 'a\u007fb'],
    ['newline', 'a\nb'],
  ];

  test('the contract has mutations with string arguments to cover', () => {
    const { paths } = stringPaths(schema);
    expect(new Set(paths.map((p) => p.mutation)).size).toBeGreaterThanOrEqual(10);
    expect(paths.map((p) => `${p.mutation}:${p.path.join('.')}`)).toEqual(
      expect.arrayContaining(['signup:input.email', 'signup:input.organization.name', 'login:input.password', 'refreshSession:refreshToken']),
    );
  });

  test('explicit cases on every string argument: BAD_USER_INPUT naming the argument path, nothing written', async () => {
    const { paths } = stringPaths(schema);
    const failures: string[] = [];
    for (const target of paths) {
      for (const [label, bad] of cases) {
        const before = await rowCounts();
        const res = await call(target, bad);
        const errors = (res.json?.errors ?? []) as { extensions?: { code?: string; field?: string } }[];
        const field = target.path.join('.');
        // A list's element is named with its index (createRole's input.permissions.0).
        const named = errors[0]?.extensions?.field;
        const ok = errors.length === 1 && errors[0]!.extensions?.code === 'BAD_USER_INPUT' && (named === field || named === `${field}.0`);
        const after = await rowCounts();
        if (!ok) failures.push(`${target.mutation} ${field} ${label}: ${JSON.stringify(res.json).slice(0, 200)}`);
        else if (JSON.stringify(after) !== JSON.stringify(before)) failures.push(`${target.mutation} ${field} ${label}: rows written`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('property: generated strings on every string argument never give INTERNAL_SERVER_ERROR, and a refusal writes nothing', async () => {
    const { paths } = stringPaths(schema);
    const anyUnit = fc.nat(0xffff).map((c) => String.fromCharCode(c));
    const strings = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: anyUnit, maxLength: 40 }),
      fc.string({ unit: fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\u0085', '\ud800', '\udfff', 'a', '@', '.', 'é'), maxLength: 40 }),
      fc.tuple(fc.constantFrom('x', '\u0000', '\ud83d'), fc.integer({ min: 1000, max: 20_000 })).map(([c, n]) => c.repeat(n)),
      fc.emailAddress(),
    );
    const byMutation = new Map<string, StringPath[]>();
    for (const p of paths) byMutation.set(p.mutation, [...(byMutation.get(p.mutation) ?? []), p]);
    for (const [mutation, targets] of byMutation) {
      await fc
        .assert(
          fc.asyncProperty(fc.constantFrom(...targets), strings, async (target, value) => {
            const before = await rowCounts();
            const res = await call(target, value);
            const errors = (res.json?.errors ?? []) as { extensions?: { code?: string } }[];
            expect(res.status).toBeLessThan(500);
            expect(errors.map((e) => e.extensions?.code)).not.toContain('INTERNAL_SERVER_ERROR');
            if (errors.some((e) => e.extensions?.code === 'BAD_USER_INPUT')) expect(await rowCounts()).toEqual(before);
          }),
          { numRuns: 30, seed: 20261129, endOnFailure: true, interruptAfterTimeLimit: 60_000 },
        )
        .catch((error: unknown) => {
          throw new Error(`${mutation}: ${String(error)}`);
        });
    }
  });
});
