import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from 'typeorm';
import { moduleEntities, moduleResolvers, wardenModules } from '.';
import type { Kernel, WardenModule } from './module';
import { buildModules, buildOrder } from '../kernel/build-modules';
import { HookRegistry } from '../kernel/hooks';
import { chainSignInGates } from './sessions/sign-in-gates';
import type { SignInGate, SignInRequest } from './sessions/sessions.service';
import { WardenError } from '../errors/warden-error';

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

/** A module that only records when it was built and what its peers gave it. */
function fake(name: string, dependsOn: string[] = [], extra: Partial<WardenModule> = {}): WardenModule {
  return { name, dependsOn, entities: [], resolvers: [], build: () => ({ provides: { from: name } }), ...extra };
}
const kernel = () => ({ hooks: new HookRegistry() }) as unknown as Kernel;

describe('building the modules (src/kernel/build-modules.ts)', () => {
  test('the build order puts every module after the modules it depends on, otherwise keeps the list order', () => {
    const order = buildOrder([fake('a', ['c']), fake('b'), fake('c', ['b']), fake('d')]).map((m) => m.name);
    expect(order).toEqual(['b', 'c', 'a', 'd']);
  });

  test('the real module list: every module is built after each module in its dependsOn', () => {
    const order = buildOrder(wardenModules).map((m) => m.name);
    for (const m of wardenModules) for (const dep of m.dependsOn ?? []) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(m.name));
    expect(wardenModules.every((m) => typeof m.build === 'function')).toBe(true);
  });

  test('a dependency missing from the list fails at start, naming both modules', () => {
    expect(() => buildOrder([fake('a'), fake('b', ['organizations'])])).toThrow('module b depends on module organizations, which is not in the module list');
  });

  test('a dependency cycle fails at start, naming the cycle', () => {
    expect(() => buildOrder([fake('a', ['b']), fake('b', ['c']), fake('c', ['a'])])).toThrow('module dependency cycle: a -> b -> c -> a');
  });

  test('a build gets the provides of the modules it depends on, and no other', () => {
    const seen: unknown[] = [];
    const uses = (name: string) => fake('user', ['b'], { build: (_k, peers) => (seen.push(peers.of(name)), {}) });
    buildModules([fake('a'), fake('b'), uses('b')], kernel());
    expect(seen).toEqual([{ from: 'b' }]);
    expect(() => buildModules([fake('a'), fake('b'), uses('a')], kernel())).toThrow('module user uses module a but does not name it in dependsOn');
  });

  test('hooks are read only once every module was built; a code purpose handled by two modules fails', () => {
    const hooks = new HookRegistry();
    expect(() => hooks.signInGates()).toThrow('hooks read before every module was built');
    const handler = { onVerified: async () => ({ refused: new WardenError('FORBIDDEN') }) };
    hooks.add('one', { codePurposes: { MFA: handler } });
    expect(() => hooks.add('two', { codePurposes: { MFA: handler } })).toThrow('code purpose MFA handled by both module one and module two');
  });
});

describe('sign-in gates from several modules (chained in module-list order)', () => {
  const em = {} as EntityManager;
  const request = { user: { id: 'u1' }, amr: ['pwd'], method: 'password', meta: {} } as unknown as SignInRequest;
  const asked: string[] = [];
  const gate = (name: string, allow: boolean, sql: ReturnType<NonNullable<SignInGate['sqlAllows']>>): SignInGate => ({
    check: async () => {
      asked.push(name);
      return allow ? { allow: true } : { allow: false, error: new WardenError('FORBIDDEN', { message: name }) };
    },
    sqlAllows: () => sql,
  });
  function chained(...gates: SignInGate[]): SignInGate {
    const k = kernel();
    const modules = gates.map((g, i) => fake(`m${i}`, [], { build: () => ({ hooks: { signInGates: [g] } }) }));
    buildModules(modules, k);
    return chainSignInGates(() => k.hooks.signInGates());
  }
  beforeEach(() => (asked.length = 0));

  test('both are consulted: a refusal from the second wins even though the first allows', async () => {
    const decision = await chained(gate('first', true, { always: true }), gate('second', false, null)).check(em, request);
    expect(asked).toEqual(['first', 'second']);
    expect(decision).toMatchObject({ allow: false, error: { message: 'second' } });
  });

  test('the first refusal wins: the gates after it are not asked (their side effects do not happen)', async () => {
    const decision = await chained(gate('first', false, null), gate('second', false, null)).check(em, request);
    expect(asked).toEqual(['first']);
    expect(decision).toMatchObject({ allow: false, error: { message: 'first' } });
  });

  test('every gate allows: the sign-in is allowed; no gate at all: allowed', async () => {
    expect(await chained(gate('first', true, null), gate('second', true, null)).check(em, request)).toEqual({ allow: true });
    expect(await chained().check(em, request)).toEqual({ allow: true });
  });

  test('sqlAllows says "always" only if every gate does; predicates are ANDed; one gate without SQL: null', () => {
    const p = (key: string) => ({ key, predicate: (u: string) => `${key}(${u})` });
    expect(chained(gate('a', true, { always: true }), gate('b', true, { always: true })).sqlAllows!(['pwd'])).toEqual({ always: true });
    const both = chained(gate('a', true, p('mfa')), gate('b', true, { always: true }), gate('c', true, p('ban'))).sqlAllows!(['pwd']);
    expect(both && 'key' in both && [both.key, both.predicate('$2')]).toEqual(['mfa_ban', '(mfa($2)) AND (ban($2))']);
    expect(chained(gate('a', true, { always: true }), gate('b', true, null)).sqlAllows!(['pwd'])).toBeNull();
  });
});
