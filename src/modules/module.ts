import type { FastifyInstance } from 'fastify';

/** A class, as TypeORM entity lists and type-graphql resolver lists take them. */
export type ClassType = Function;

/** Looks up an instance the composition root built, by its class (the same container the resolvers use). */
export interface ServiceLookup {
  get<T>(type: { prototype: T }): T;
}

/** An HTTP route a capability adds next to /graphql (e.g. a provider callback). */
export type RouteRegistration = (fastify: FastifyInstance, services: ServiceLookup) => void | Promise<void>;

export type { MaintenanceContext, MaintenanceJob } from '../maintenance/maintenance-job';
import type { MaintenanceJob } from '../maintenance/maintenance-job';
import type { ModuleDeclarations } from './declaration-types';
import type { Kernel } from '../kernel/kernel';
import type { ModuleHooks } from '../kernel/hooks';

export type { Kernel } from '../kernel/kernel';
export type { ModuleHooks, WayIn } from '../kernel/hooks';

/** The `provides` of the modules a module names in dependsOn (asking for any other fails at start). */
export interface Peers {
  /** The `provides` of module `name`; P is the type that module exports for it (e.g. SessionsProvides). */
  of<P extends object>(name: string): P;
}

/** What a module's build returns. */
export interface ModuleBuild {
  /** Named services the modules that depend on this one may use (peers.of(name)). */
  provides?: object;
  /** Everything the type-graphql container hands out by class: services, adapters, the resolver instances. */
  instances?: readonly object[];
  /** What it plugs into the other modules (src/kernel/hooks.ts). */
  hooks?: ModuleHooks;
}

/**
 * A capability, as plain data: what it adds to the schema, the data source, the HTTP server and the
 * maintenance runner. src/modules/index.ts lists every one; nothing else enumerates capabilities.
 */
export interface WardenModule {
  name: string;
  /** Names of the modules whose `provides` its build uses: they are built first (a missing one or a cycle fails at start). */
  dependsOn?: readonly string[];
  /** Builds its services and resolvers from the kernel and its peers, once per app (src/app/services.ts runs the loop). */
  build?(kernel: Kernel, peers: Peers): ModuleBuild;
  /** TypeORM entities (their tables come from migrations/). */
  entities: readonly ClassType[];
  /** type-graphql resolver classes; their instances come from the composition root's container. */
  resolvers: readonly ClassType[];
  /** Registers its HTTP routes; each one is declared in `httpRoutes` (method, path, doc) for docs/api.md. */
  routes?: readonly RouteRegistration[];
  jobs?: readonly MaintenanceJob[];
  /**
   * Declarations (src/modules/declaration-types.ts): the descriptor spreads its <cap>.declarations.ts object
   * here, the same object src/modules/declarations.ts lists, so the module shows all it adds to the shared
   * tables. Each name is declared by one module only (modules.test.ts).
   */
  auditEvents?: ModuleDeclarations['auditEvents'];
  rateLimits?: ModuleDeclarations['rateLimits'];
  limits?: ModuleDeclarations['limits'];
  settings?: ModuleDeclarations['settings'];
  codePurposes?: ModuleDeclarations['codePurposes'];
  errorCodes?: ModuleDeclarations['errorCodes'];
  inputBounds?: ModuleDeclarations['inputBounds'];
  mail?: ModuleDeclarations['mail'];
  httpRoutes?: ModuleDeclarations['httpRoutes'];
  events?: ModuleDeclarations['events'];
}
