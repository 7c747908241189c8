import type { FastifyInstance } from 'fastify';

/** A class, as TypeORM entity lists and type-graphql resolver lists take them. */
export type ClassType = Function;

/** Looks up an instance the composition root built, by its class (the same container the resolvers use). */
export interface ServiceLookup {
  get<T>(type: { prototype: T }): T;
}

/** An HTTP route a capability adds next to /graphql (e.g. a provider callback). */
export type RouteRegistration = (fastify: FastifyInstance, services: ServiceLookup) => void | Promise<void>;

/** What a maintenance job is given on each run; filled in by the maintenance runner. */
export interface MaintenanceContext {
  now: Date;
}

/** One sweep of the maintenance runner: deletes in bounded batches and answers how many rows it removed. */
export interface MaintenanceJob {
  name: string;
  run(ctx: MaintenanceContext): Promise<number>;
}

/**
 * A capability, as plain data: what it adds to the schema, the data source, the HTTP server and the
 * maintenance runner. src/modules/index.ts lists every one; nothing else enumerates capabilities.
 */
export interface WardenModule {
  name: string;
  /** TypeORM entities (their tables come from migrations/). */
  entities: readonly ClassType[];
  /** type-graphql resolver classes; their instances come from the composition root's container. */
  resolvers: readonly ClassType[];
  routes?: readonly RouteRegistration[];
  jobs?: readonly MaintenanceJob[];
}
