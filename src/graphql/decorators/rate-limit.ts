import { createMethodMiddlewareDecorator } from 'type-graphql';
import type { Context } from '../context';
import type { FieldLimitName } from '../../modules/rate-limits/field-limits';

/**
 * `@RateLimit('otp.verify')`: counts the client IP against this field's limit before the resolver runs,
 * once per executed field, so aliases (`a: verifyOtp … b: verifyOtp …`) and batched operations each count.
 * A hit is RATE_LIMITED with retryAfter; a store failure is SERVICE_UNAVAILABLE and the resolver never runs.
 */
export function RateLimit(name: FieldLimitName): MethodDecorator {
  return createMethodMiddlewareDecorator<Context>(async ({ context }, next) => {
    await context.fieldLimiter.consume(name, context.meta);
    return next();
  });
}
