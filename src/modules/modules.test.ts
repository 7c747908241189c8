import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from 'typeorm';
import { moduleEntities, moduleResolvers, wardenModules } from '.';
import { moduleDeclarations } from './declarations';
import { AuditEvents } from './audit/audit-events';
import { fieldLimitNames } from './rate-limits/field-limits';
import { OtpPurpose } from './otp/otp.enums';
import { coreErrorCodes, errorCodes } from '../errors/error-codes';
import { coreLimits, defaultLimits, limitTable } from '../config/limits';
import { coreInputBounds, maxLengthByField } from '../graphql/input-guard';
import type { Kernel, WardenModule } from './module';
import { buildModules, buildOrder } from '../kernel/build-modules';
import { HookRegistry } from '../kernel/hooks';
import { chainSignInGates } from './sessions/sign-in-gates';
import type { SignInGate, SignInRequest } from './sessions/sessions.service';
import { WardenError } from '../errors/warden-error';
import { getMetadataStorage } from 'type-graphql';
import { rateLimitOf } from '../graphql/decorators/rate-limit';
import { isRecentAuth } from '../graphql/decorators/recent-auth';
import { coreRoutes } from '../http/routes';
import { coreVariables, oauthVariablePatterns } from '../config/variables';
import { settingTableOf } from '../config/settings';

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
  const kinds = ['auditEvents', 'rateLimits', 'limits', 'settings', 'codePurposes', 'errorCodes', 'inputBounds', 'mail', 'httpRoutes', 'events'] as const;

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
      if (!Array.isArray(field)) return Object.keys(field);
      return field.map((entry) => (typeof entry === 'string' ? entry : `${entry.method} ${entry.path}`));
    });
    const core: Record<(typeof kinds)[number], string[]> = {
      auditEvents: [],
      rateLimits: [],
      limits: Object.keys(coreLimits),
      settings: [],
      codePurposes: [],
      errorCodes: Object.keys(coreErrorCodes),
      inputBounds: Object.keys(coreInputBounds),
      mail: [],
      httpRoutes: coreRoutes.map((r) => `${r.method} ${r.path}`),
      events: [],
    };
    const all = [...core[kind], ...names];
    expect(all.filter((name, i) => all.indexOf(name) !== i)).toEqual([]);
  });

  test('audit event names, limit variables and field-limit prefixes are unique and follow their conventions', () => {
    const eventNames = wardenModules.flatMap((m) => Object.values(m.auditEvents ?? {}));
    expect(eventNames.filter((n, i) => eventNames.indexOf(n) !== i)).toEqual([]);
    const eventTypes = wardenModules.flatMap((m) => Object.values(m.events ?? {}));
    expect(eventTypes.filter((n, i) => eventTypes.indexOf(n) !== i)).toEqual([]);
    expect(eventNames.filter((n) => !/^[a-z_]+\.[a-z_]+$/.test(n))).toEqual([]);
    const envs = limitTable.map((d) => d.env);
    expect(envs.filter((n, i) => envs.indexOf(n) !== i)).toEqual([]);
    // A per-IP limit is named after the module whose mutation it guards.
    const misplaced = wardenModules.flatMap((m) =>
      Object.keys(m.rateLimits ?? {})
        .filter((n) => !n.startsWith(`${m.name}.`))
        .map((n) => `${m.name}: ${n}`),
    );
    expect(misplaced).toEqual([]);
  });

  test('the derived tables hold exactly what the descriptors declare', () => {
    const from = <T>(pick: (m: (typeof wardenModules)[number]) => T | undefined) => wardenModules.flatMap((m) => pick(m) ?? []);
    expect(Object.entries(AuditEvents).sort()).toEqual(from((m) => Object.entries(m.auditEvents ?? {})).sort());
    expect([...fieldLimitNames].sort()).toEqual(from((m) => Object.keys(m.rateLimits ?? {})).sort());
    expect(Object.keys(OtpPurpose).sort()).toEqual(from((m) => m.codePurposes?.slice()).sort());
    expect([...errorCodes].sort()).toEqual([...Object.keys(coreErrorCodes), ...from((m) => Object.keys(m.errorCodes ?? {}))].sort());
    expect(Object.keys(defaultLimits).sort()).toEqual([...Object.keys(coreLimits), ...from((m) => Object.keys(m.limits ?? {}))].sort());
    expect(settingTableOf().map((s) => `${s.module}.${s.key}`)).toEqual(from((m) => Object.keys(m.settings ?? {}).map((key) => `${m.name}.${key}`)));
    expect(Object.keys(maxLengthByField).sort()).toEqual([...Object.keys(coreInputBounds), ...from((m) => Object.keys(m.inputBounds ?? {}))].sort());
  });

  test('every variable name is read once: settings and limits unique across modules, none a core variable, a core limit or an OAUTH_* name', () => {
    const settingEnvs = wardenModules.flatMap((m) => Object.values(m.settings ?? {}).map((s) => s.env));
    expect(settingEnvs.length).toBeGreaterThan(0);
    const all = [...coreVariables.map((v) => v.env), ...oauthVariablePatterns.map((v) => v.env), ...limitTable.map((l) => l.env), ...settingEnvs];
    expect(all.filter((name, i) => all.indexOf(name) !== i)).toEqual([]);
    expect(settingEnvs.filter((name) => !/^[A-Z][A-Z0-9_]*$/.test(name) || name.startsWith('OAUTH_'))).toEqual([]);
  });

  test("every setting's default (or unset, when it has none) is accepted by its own parse", () => {
    const refused = wardenModules.flatMap((m) =>
      Object.values(m.settings ?? {}).flatMap((s) => {
        try {
          s.parse(s.default ?? undefined, { isProduction: false });
          return [];
        } catch (error) {
          return [`${s.env}: ${(error as Error).message}`];
        }
      }),
    );
    expect(refused).toEqual([]);
  });

  test('a module declares mail only for code purposes it declares', () => {
    const strays = wardenModules.flatMap((m) =>
      Object.keys(m.mail ?? {})
        .filter((purpose) => !(m.codePurposes ?? []).includes(purpose))
        .map((purpose) => `${m.name}: ${purpose}`),
    );
    expect(strays).toEqual([]);
  });

  test('every default limit lies within its own bounds', () => {
    expect(limitTable.filter((d) => !(d.min <= d.default && d.default <= d.max) || !Number.isInteger(d.default)).map((d) => d.env)).toEqual([]);
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

/**
 * One module shape (docs/architecture.md, "File roles"): every folder under src/modules/ uses the same file roles,
 * every mutation has a rate limit, every mutation that needs a viewer is @Authorized, decorators in one order.
 */
describe('one module shape', () => {
  /** A file's role, from its name. The first match decides; a helper is anything else, named in kebab case. */
  const FILE_ROLES: readonly { role: string; pattern: RegExp; declares?: readonly string[] }[] = [
    { role: 'descriptor (the capability as data)', pattern: /^index\.ts$/ },
    { role: 'unit test', pattern: /\.test\.ts$/ },
    { role: 'resolver', pattern: /\.resolver\.ts$/, declares: ['@Resolver(', '@Mutation(', '@Query(', '@FieldResolver('] },
    { role: 'service', pattern: /\.service\.ts$/ },
    { role: 'entity', pattern: /\.entity\.ts$/, declares: ['@Entity('] },
    { role: 'GraphQL output types and their enums', pattern: /\.types?\.ts$/, declares: ['@ObjectType(', 'registerEnumType('] },
    { role: 'GraphQL input types', pattern: /\.inputs?\.ts$/, declares: ['@InputType('] },
    { role: 'GraphQL enums shared by types and inputs', pattern: /\.enums\.ts$/, declares: ['registerEnumType('] },
    { role: 'retention (maintenance jobs)', pattern: /\.retention\.ts$/ },
    { role: 'declarations (what the capability adds to the shared tables; data only)', pattern: /^[a-z0-9-]+\.declarations\.ts$/ },
    { role: 'helper (plain code: no GraphQL or TypeORM declarations)', pattern: /^[a-z0-9]+(-[a-z0-9]+)*\.ts$/ },
  ];
  /** Files that fit no role, each with its reason. Empty today; an entry is a debt, not a pattern. */
  const FILE_EXCEPTIONS: Readonly<Record<string, string>> = {};

  const moduleFiles = fs
    .readdirSync(__dirname, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    // A capability may group helpers in a subfolder (webhooks/transport/): its files are judged by their own names.
    .flatMap((d) =>
      fs
        .readdirSync(path.join(__dirname, d.name), { recursive: true, encoding: 'utf8' })
        .filter((name) => fs.statSync(path.join(__dirname, d.name, name)).isFile())
        .map((name) => `${d.name}/${name}`),
    );
  const roleOf = (file: string) => FILE_ROLES.find(({ pattern }) => pattern.test(path.basename(file)));

  test('every file in a module folder has one of the roles (or a listed exception with its reason)', () => {
    expect(moduleFiles.length).toBeGreaterThan(50);
    const unplaced = moduleFiles.filter((file) => !roleOf(file) && !FILE_EXCEPTIONS[file]);
    expect(unplaced).toEqual([]);
    for (const [file, reason] of Object.entries(FILE_EXCEPTIONS)) {
      expect(moduleFiles).toContain(file);
      expect(reason.length).toBeGreaterThan(20);
    }
  });

  test('GraphQL and TypeORM declarations live only in the files whose role they are', () => {
    const markers = [...new Set(FILE_ROLES.flatMap((r) => r.declares ?? []))];
    const misplaced: string[] = [];
    for (const file of moduleFiles.filter((f) => !f.endsWith('.test.ts') && !FILE_EXCEPTIONS[f])) {
      const text = fs.readFileSync(path.join(__dirname, file), 'utf8');
      const allowed = roleOf(file)?.declares ?? [];
      for (const marker of markers) if (text.includes(marker) && !allowed.includes(marker)) misplaced.push(`${file}: ${marker}`);
    }
    expect(misplaced).toEqual([]);
  });

  /** Mutations without @RateLimit, each with its reason. */
  const UNLIMITED_MUTATIONS: Readonly<Record<string, string>> = {
    deleteAccount: 'needs a recent authentication, and ends the account and every session at once: a second call has no viewer',
    exportAccountData: 'needs a recent authentication, and the service allows one export per account per hour (account:{id}:export)',
  };

  /** The one order of decorators on a resolver method, top to bottom (the order most methods used). */
  // Directive: the subgraph SDL's annotations (@requiresScopes), next to the field they annotate.
  const DECORATOR_ORDER = [
    'Authorized',
    'RateLimit',
    'RecentAuth',
    'NotImpersonated',
    'Direct',
    'DirectWithInfo',
    'DirectQuery',
    'Directive',
    'Mutation',
    'Query',
    'FieldResolver',
  ];

  function resolverMethods(): { file: string; method: string; decorators: string[] }[] {
    return moduleFiles
      .filter((file) => file.endsWith('.resolver.ts'))
      .flatMap((file) => {
        const out: { file: string; method: string; decorators: string[] }[] = [];
        let decorators: string[] = [];
        for (const line of fs.readFileSync(path.join(__dirname, file), 'utf8').split('\n')) {
          const decorator = /^ {2}@(\w+)\(/.exec(line);
          const method = /^ {2}(?:async )?(\w+)\(/.exec(line);
          if (decorator) decorators.push(decorator[1]!);
          else if (method && decorators.length) {
            out.push({ file, method: method[1]!, decorators });
            decorators = [];
          }
        }
        return out;
      });
  }

  function mutations(kind: 'mutations' | 'queries' = 'mutations') {
    const storage = getMetadataStorage();
    const resolverTypes = new Set<unknown>(moduleResolvers);
    return storage[kind]
      .filter((m) => resolverTypes.has(m.target))
      .map((m) => {
        const middlewares = storage.middlewares.filter((d) => d.target === m.target && d.fieldName === m.methodName).flatMap((d) => d.middlewares);
        const source = Function.prototype.toString.call((m.target.prototype as Record<string, unknown>)[m.methodName]);
        return {
          name: m.schemaName,
          rateLimit: middlewares.map(rateLimitOf).find((name) => name !== undefined),
          recentAuth: middlewares.some(isRecentAuth),
          authorized: storage.authorizedFields.some((a) => a.target === m.target && a.fieldName === m.methodName),
          callsRequireViewer: /\.requireViewer\(/.test(source),
          callsRequireSelf: /\brequireSelf\(/.test(source),
        };
      });
  }

  test('every Mutation field has a @RateLimit, or is a listed exception with its reason', () => {
    const all = mutations();
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((m) => !m.rateLimit && !UNLIMITED_MUTATIONS[m.name]).map((m) => m.name)).toEqual([]);
    // An exception that is no longer needed (or names no mutation) goes.
    expect(Object.keys(UNLIMITED_MUTATIONS).filter((name) => all.find((m) => m.name === name)?.rateLimit !== undefined)).toEqual([]);
  });

  test('every mutation that needs a viewer (requireViewer, @RecentAuth) is @Authorized', () => {
    const all = mutations();
    expect(all.some((m) => m.callsRequireViewer)).toBe(true);
    expect(all.filter((m) => (m.callsRequireViewer || m.recentAuth) && !m.authorized).map((m) => m.name)).toEqual([]);
  });

  test('every query that needs a viewer (requireViewer, requireSelf, @RecentAuth) is @Authorized', () => {
    // No root query needs one today (viewer and organization answer null without credentials); a new one that
    // does must be @Authorized, as mutations are. (Field resolvers on User use requireSelf: reached through viewer.)
    const all = mutations('queries');
    expect(all.map((q) => q.name)).toEqual(expect.arrayContaining(['viewer', 'organization', 'oauthProviders']));
    expect(all.filter((q) => (q.callsRequireViewer || q.callsRequireSelf || q.recentAuth) && !q.authorized).map((q) => q.name)).toEqual([]);
  });

  test(`decorators on resolver methods come in one order: ${DECORATOR_ORDER.join(', ')}`, () => {
    const methods = resolverMethods();
    expect(methods.length).toBeGreaterThan(40);
    const unknown = methods.flatMap((m) => m.decorators.filter((d) => !DECORATOR_ORDER.includes(d)).map((d) => `${m.file} ${m.method}: @${d}`));
    expect(unknown).toEqual([]);
    const outOfOrder = methods
      .filter((m) => m.decorators.some((d, i) => i > 0 && DECORATOR_ORDER.indexOf(d) < DECORATOR_ORDER.indexOf(m.decorators[i - 1]!)))
      .map((m) => `${m.file} ${m.method}: @${m.decorators.join(' @')}`);
    expect(outOfOrder).toEqual([]);
  });
});

describe('no god services', () => {
  /** Issue 23: a capability is split by concern; no source file in src/modules grows past this. */
  const MAX_LINES = 400;

  test(`no source file in src/modules is over ${MAX_LINES} lines`, () => {
    const files = fs.readdirSync(__dirname, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(50);
    const long = files
      .map((name) => ({ name, lines: fs.readFileSync(path.join(__dirname, name), 'utf8').split('\n').length }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.name}: ${f.lines} lines`);
    expect(long).toEqual([]);
  });
});
