import { defaultFieldResolver, isObjectType, type GraphQLSchema } from 'graphql';
import { WardenError } from '../errors/warden-error';
import { declaredInputBounds } from '../modules/declarations';

/** Longest string any argument may carry, in UTF-16 code units, unless `maxLengthByField` says otherwise. */
export const DEFAULT_MAX_STRING_LENGTH = 1024;

/**
 * Per-field maxima, by the argument's (or input field's) own name wherever it appears. They are
 * outer bounds on the raw input; services still apply their own, narrower rules (PASSWORD_MAX_LENGTH,
 * MAX_STRING_LENGTH, 254 for a normalised email…). The names several capabilities take are here; a name only
 * one capability takes is in the `inputBounds` of its declarations (src/modules/<cap>/<cap>.declarations.ts).
 */
export const coreInputBounds: Readonly<Record<string, number>> = Object.freeze({
  email: 320,
  phone: 32,
  password: 1024,
  newPassword: 1024,
  code: 32,
  challengeId: 64,
  id: 64,
  token: 256,
  redirectTo: 2048,
});

/** Every per-field maximum: the core ones and every capability's `inputBounds`. */
export const maxLengthByField: Readonly<Record<string, number>> = Object.freeze({ ...coreInputBounds, ...declaredInputBounds });

/**
 * Marks a JSON scalar's parsed value (e.g. a WebAuthn response) whose scalar already checked every string in it
 * (size, NUL, lone surrogates, control characters) with its own bounds: the guard does not walk into it, so
 * per-field maxima meant for form fields (`id`: 64) do not refuse legitimate base64url content.
 */
export const checkedByScalar: unique symbol = Symbol('warden.checkedByScalar');

/**
 * Fields that may contain control characters (tab, newline…). None today: a field that needs them
 * must be listed here and documented in docs/input-and-config.md.
 */
export const controlCharactersAllowed: ReadonlySet<string> = new Set<string>();

// C0 (U+0000–U+001F, NUL included), DEL and C1 (U+0080–U+009F).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex
const NUL = /\u0000/;
// In a /u pattern a lone surrogate is its own code point; a well-formed pair is not a match.
const LONE_SURROGATE = /\p{Surrogate}/u;

/** The reason a string is refused, or null when it is acceptable for the field named `leaf`. */
export function refusal(value: string, leaf: string): string | null {
  const max = maxLengthByField[leaf] ?? DEFAULT_MAX_STRING_LENGTH;
  if (value.length > max) return `is too long (at most ${max} characters)`;
  if (NUL.test(value)) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (no lone surrogates)';
  if (!controlCharactersAllowed.has(leaf) && CONTROL.test(value)) return 'must not contain control characters';
  return null;
}

/** Throws BAD_USER_INPUT with extensions.field = the argument path (e.g. "input.email") for the first bad string. */
export function checkArgs(args: unknown, path: string[] = []): void {
  if (typeof args === 'string') {
    const leaf = path.filter((p) => !/^\d+$/.test(p)).at(-1) ?? '';
    const reason = refusal(args, leaf);
    if (reason) {
      const field = path.join('.');
      throw WardenError.badInput(`${field} ${reason}.`, field);
    }
    return;
  }
  if (Array.isArray(args)) {
    args.forEach((item, i) => checkArgs(item, [...path, String(i)]));
    return;
  }
  if (args && typeof args === 'object' && !(args instanceof Date)) {
    if (checkedByScalar in args) return;
    for (const [key, value] of Object.entries(args)) checkArgs(value, [...path, key]);
  }
}

/**
 * Puts the guard in front of every field that takes arguments, in the executable schema itself: each
 * executed field's coerced arguments (inline or from variables, nested input objects included) are checked
 * before its resolver, its type-graphql middlewares (rate limits, auth) or any hash or query run.
 *
 * Not a type-graphql global middleware: that wrapped every field, with or without arguments, in an async
 * middleware chain, which cost a light query (`viewer`) a tenth of its CPU (docs/performance.md). A field
 * without arguments has nothing to check; a guarded field's check is synchronous. Returns how many fields it
 * guards.
 */
export function guardArguments(schema: GraphQLSchema): number {
  let guarded = 0;
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        checkArgs(args);
        return resolve(source, args, context, info);
      };
      guarded++;
    }
  }
  return guarded;
}
