import { createMethodMiddlewareDecorator, type MiddlewareFn } from 'type-graphql';
import type { Context } from '../context';
import type { FieldLimitName } from '../../modules/rate-limits/field-limits';

/**
 * `@RateLimit('otp.verify')`: counts the client IP against this field's limit before the resolver runs,
 * once per executed field, so aliases (`a: verifyOtp … b: verifyOtp …`) and batched operations each count.
 * Guards of other modules (ModuleHooks.fieldGuards: the adaptive CAPTCHA) count in the same round trip.
 * A hit is RATE_LIMITED with retryAfter; a store failure is SERVICE_UNAVAILABLE and the resolver never runs.
 */
export function RateLimit(name: FieldLimitName): MethodDecorator {
  const middleware: MiddlewareFn<Context> = async ({ context, args, info }, next) => {
    await context.fieldLimiter.consume(name, context.meta, { parentType: info.parentType.name, fieldName: info.fieldName, args });
    return next();
  };
  rateLimitNames.set(middleware, name);
  return createMethodMiddlewareDecorator<Context>(middleware);
}

const rateLimitNames = new WeakMap<object, FieldLimitName>();

/** The limit a middleware in type-graphql's metadata counts, if it is a @RateLimit (src/modules/modules.test.ts). */
export function rateLimitOf(middleware: unknown): FieldLimitName | undefined {
  return typeof middleware === 'function' ? rateLimitNames.get(middleware) : undefined;
}
