import type { GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { isObjectType } from 'graphql';
import { getMetadataStorage, type ContainerType } from 'type-graphql';
import type { Context } from './context';

type Call = (method: (...args: never[]) => unknown, instance: object, root: unknown, ctx: Context, info: GraphQLResolveInfo) => unknown;

interface DirectField {
  typeName: string;
  fieldName: string;
  target: Function;
  methodName: string;
  /** The parameter kinds type-graphql must have recorded for the method, in order. */
  params: readonly string[];
  call: Call;
}

const directFields: DirectField[] = [];

/**
 * Marks a hot `@FieldResolver` whose parameters are exactly `@Root()` then `@Ctx()`: in the executable schema,
 * graphql-js calls the method itself instead of type-graphql's per-call wrapper (a container lookup, the
 * parameter list sorted and mapped, the root copied into a new class instance, the middleware dispatch), which
 * cost more than the field's own work on `viewer { email organization { name } }`. The schema's text is
 * unchanged (type-graphql still builds the field).
 *
 * Only for fields without arguments, middlewares or `@Authorized` (none of those would run): the schema build
 * refuses a direct field that takes arguments or has either, or whose parameters are not the ones named here.
 */
export function Direct(typeName: string) {
  return <T extends (root: never, ctx: Context) => unknown>(prototype: object, methodName: string, _descriptor: TypedPropertyDescriptor<T>): void => {
    directFields.push({
      typeName,
      fieldName: methodName,
      target: prototype.constructor,
      methodName,
      params: ['root', 'context'],
      call: (method, instance, root, ctx) => (method as (root: unknown, ctx: Context) => unknown).call(instance, root, ctx),
    });
  };
}

/**
 * The same for a hot `@FieldResolver` whose parameters are exactly `@Root()`, `@Ctx()` then `@Info()`
 * (`User.activeOrganization`, `Organization.viewerPermissions`: they look at the operation's kind). The same limits.
 */
export function DirectWithInfo(typeName: string) {
  return <T extends (root: never, ctx: Context, info: GraphQLResolveInfo) => unknown>(
    prototype: object,
    methodName: string,
    _descriptor: TypedPropertyDescriptor<T>,
  ): void => {
    directFields.push({
      typeName,
      fieldName: methodName,
      target: prototype.constructor,
      methodName,
      params: ['root', 'context', 'info'],
      call: (method, instance, root, ctx, info) =>
        (method as (root: unknown, ctx: Context, info: GraphQLResolveInfo) => unknown).call(instance, root, ctx, info),
    });
  };
}

/**
 * The same for a hot `@Query` whose parameters are exactly `@Ctx()` then `@Info()` (`viewer`: every page load
 * asks it). The same limits: no arguments, middlewares or `@Authorized`.
 */
export function DirectQuery() {
  return <T extends (ctx: Context, info: GraphQLResolveInfo) => unknown>(
    prototype: object,
    methodName: string,
    _descriptor: TypedPropertyDescriptor<T>,
  ): void => {
    directFields.push({
      typeName: 'Query',
      fieldName: methodName,
      target: prototype.constructor,
      methodName,
      params: ['context', 'info'],
      call: (method, instance, _root, ctx, info) => (method as (ctx: Context, info: GraphQLResolveInfo) => unknown).call(instance, ctx, info),
    });
  };
}

/** What type-graphql recorded for the method once the schema was built: its parameters' kinds, middlewares and roles. */
function recorded(direct: DirectField): { params: string[]; middlewares: number; roles: boolean } | undefined {
  const storage = getMetadataStorage();
  const all = direct.typeName === 'Query' ? storage.queries : storage.fieldResolvers;
  const found = all.find((r) => r.target === direct.target && r.methodName === direct.methodName);
  if (!found) return undefined;
  const params = [...(found.params ?? [])].sort((a, b) => a.index - b.index).map((p) => p.kind);
  return { params, middlewares: found.middlewares?.length ?? 0, roles: found.roles !== undefined };
}

/**
 * Replaces the resolvers of every direct field of `schema` (in place); instances come from `container` on first
 * call. `globalMiddlewares`: how many the schema was built with (they would not run on a direct field either).
 */
export function applyDirectResolvers(schema: GraphQLSchema, container: ContainerType, options: { globalMiddlewares?: number } = {}): void {
  for (const direct of directFields) {
    const type = schema.getType(direct.typeName);
    if (!isObjectType(type)) continue; // a schema without that type (e.g. a module left out)
    const field = type.getFields()[direct.fieldName];
    const name = `${direct.typeName}.${direct.fieldName}`;
    if (!field) {
      // Every schema has a Query type, not every one has each query (a schema of some resolver classes only).
      if (direct.typeName === 'Query') continue;
      // The field is named after the method: a field resolver renamed with { name } cannot be direct.
      throw new TypeError(`direct resolver ${name}: no such field (the field must be named after the method)`);
    }
    if (field.args.length > 0) throw new TypeError(`direct resolver ${name} takes arguments: it needs type-graphql's resolver`);
    const meta = recorded(direct);
    if ((options.globalMiddlewares ?? 0) > 0 || (meta && (meta.middlewares > 0 || meta.roles)))
      throw new TypeError(`direct resolver ${name} has middlewares or @Authorized: it needs type-graphql's resolver`);
    if (meta && meta.params.join() !== direct.params.join())
      throw new TypeError(`direct resolver ${name} must take exactly (${direct.params.join(', ')}), not (${meta.params.join(', ')})`);
    let instance: Record<string, (...args: never[]) => unknown> | undefined;
    field.resolve = (root, _args, ctx: Context, info) => {
      instance ??= container.get(direct.target as never, undefined as never) as Record<string, (...args: never[]) => unknown>;
      return direct.call(instance[direct.methodName]!, instance, root, ctx, info);
    };
  }
}
