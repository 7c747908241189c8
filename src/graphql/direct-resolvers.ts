import type { GraphQLSchema } from 'graphql';
import { isObjectType } from 'graphql';
import type { ContainerType } from 'type-graphql';
import type { Context } from './context';

interface DirectField {
  typeName: string;
  fieldName: string;
  target: Function;
  methodName: string;
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
 * refuses a direct field that takes arguments.
 */
export function Direct(typeName: string) {
  return <T extends (root: never, ctx: Context) => unknown>(prototype: object, methodName: string, _descriptor: TypedPropertyDescriptor<T>): void => {
    directFields.push({ typeName, fieldName: methodName, target: prototype.constructor, methodName });
  };
}

/** Replaces the resolvers of every @Direct field of `schema` (in place); instances come from `container` on first call. */
export function applyDirectResolvers(schema: GraphQLSchema, container: ContainerType): void {
  for (const direct of directFields) {
    const type = schema.getType(direct.typeName);
    if (!isObjectType(type)) continue; // a schema without that type (e.g. a module left out)
    const field = type.getFields()[direct.fieldName];
    // The field is named after the method: a @FieldResolver renamed with { name } cannot be @Direct.
    if (!field) throw new TypeError(`@Direct ${direct.typeName}.${direct.fieldName}: no such field (the field must be named after the method)`);
    if (field.args.length > 0) throw new TypeError(`@Direct ${direct.typeName}.${direct.fieldName} takes arguments: it needs type-graphql's resolver`);
    let instance: Record<string, (root: unknown, ctx: Context) => unknown> | undefined;
    field.resolve = (root, _args, ctx: Context) => {
      instance ??= container.get(direct.target as never, undefined as never) as Record<string, (root: unknown, ctx: Context) => unknown>;
      return instance[direct.methodName]!(root, ctx);
    };
  }
}
