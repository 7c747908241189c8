import type { ModuleBuild, Peers, WardenModule } from '../modules/module';
import type { Kernel } from './kernel';

/**
 * The modules in build order: each after every module it names in dependsOn, otherwise in list order (a
 * depth-first walk of the list). A dependency that is not in the list, or a cycle, fails with its names.
 */
export function buildOrder(modules: readonly WardenModule[]): WardenModule[] {
  const byName = new Map<string, WardenModule>();
  for (const m of modules) {
    if (byName.has(m.name)) throw new Error(`module ${m.name} is listed twice`);
    byName.set(m.name, m);
  }
  const order: WardenModule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (m: WardenModule, path: string[]) => {
    const seen = state.get(m.name);
    if (seen === 'done') return;
    if (seen === 'visiting') {
      const cycle = [...path.slice(path.indexOf(m.name)), m.name];
      throw new Error(`module dependency cycle: ${cycle.join(' -> ')}`);
    }
    state.set(m.name, 'visiting');
    for (const name of m.dependsOn ?? []) {
      const dep = byName.get(name);
      if (!dep) throw new Error(`module ${m.name} depends on module ${name}, which is not in the module list`);
      visit(dep, [...path, m.name]);
    }
    state.set(m.name, 'done');
    order.push(m);
  };
  for (const m of modules) visit(m, []);
  return order;
}

export interface BuiltModules {
  /** Every instance the container hands out by class, in build order. */
  instances: object[];
  /** Each module's `provides`, by module name. */
  provides: ReadonlyMap<string, object>;
}

/**
 * The composition loop: builds every module in dependency order, each with the kernel and the `provides` of the
 * modules it depends on; collects instances, and hands every module's hooks to kernel.hooks (in module-list
 * order, so sign-in gates chain in list order), then seals it.
 */
export function buildModules(modules: readonly WardenModule[], kernel: Kernel): BuiltModules {
  const provides = new Map<string, object>();
  const builds = new Map<string, ModuleBuild>();
  const instances: object[] = [];
  for (const m of buildOrder(modules)) {
    if (!m.build) continue;
    const declared = new Set(m.dependsOn ?? []);
    const peers: Peers = {
      of<P extends object>(name: string): P {
        if (!declared.has(name)) throw new Error(`module ${m.name} uses module ${name} but does not name it in dependsOn`);
        const given = provides.get(name);
        if (!given) throw new Error(`module ${m.name} uses module ${name}, which provides nothing`);
        return given as P;
      },
    };
    const built = m.build(kernel, peers);
    builds.set(m.name, built);
    if (built.provides) provides.set(m.name, built.provides);
    instances.push(...(built.instances ?? []));
  }
  for (const m of modules) kernel.hooks.add(m.name, builds.get(m.name)?.hooks);
  kernel.hooks.seal();
  return { instances, provides };
}
