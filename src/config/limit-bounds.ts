import { z } from 'zod';
import type { LimitDeclaration } from '../modules/declaration-types';
import { limitEnvNames, limitTable, type Limits } from './limits';

/** [minimum, maximum] of every limit variable, from its declaration (src/config/limits.ts, the modules' `limits`). */
export const limitBounds: Readonly<Record<keyof Limits, readonly [number, number]>> = Object.freeze(
  Object.fromEntries(limitTable.map((d) => [d.key, Object.freeze([d.min, d.max] as const)])),
) as Readonly<Record<keyof Limits, readonly [number, number]>>;

/** The zod schema of one limit variable: a whole number within its bounds. */
export function limitSchema(key: keyof Limits): z.ZodType<number> {
  const [min, max] = limitBounds[key];
  return limitSchemaOf({ env: limitEnvNames[key], min, max });
}

/** The same from the declaration itself (loadConfig parses the limits of the module list it is given). */
export function limitSchemaOf({ env: name, min, max }: Pick<LimitDeclaration, 'env' | 'min' | 'max'>): z.ZodType<number> {
  return z
    .string()
    .regex(/^\d+$/, `${name}: must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `${name}: must be at least ${min}`).max(max, `${name}: must be at most ${max}`));
}

/**
 * Rules between limits; each returns the one-line refusal or null.
 * (PASSWORD_MIN_LENGTH above PASSWORD_MAX_LENGTH would refuse every password.)
 */
export const crossLimitRules: readonly ((l: Limits) => string | null)[] = [
  (l) => (l.passwordMinLength > l.passwordMaxLength ? 'PASSWORD_MIN_LENGTH: must not be above PASSWORD_MAX_LENGTH' : null),
  (l) => (l.loginLockoutMaxSeconds < l.loginLockoutSeconds ? 'LOGIN_LOCKOUT_MAX_SECONDS: must be at least LOGIN_LOCKOUT_SECONDS' : null),
  (l) => (l.refreshIdleTtlSeconds > l.refreshTokenTtlSeconds ? 'REFRESH_IDLE_TTL_SECONDS: must not be above REFRESH_TOKEN_TTL_SECONDS' : null),
];
