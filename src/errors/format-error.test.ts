import { GraphQLError } from 'graphql';
import { AuthenticationError, AuthorizationError } from 'type-graphql';
import { createFormatError, logGraphQLError, toWardenError } from './format-error';
import { WardenError } from './warden-error';

const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn(), debug: jest.fn() };
const wrap = (original: unknown) => new GraphQLError('x', { originalError: original as Error, path: ['field'] });
const formatted = { message: 'x', path: ['field'], extensions: { code: 'INTERNAL_SERVER_ERROR' } };

describe('formatError', () => {
  const format = createFormatError({ exposeStack: false });

  beforeEach(() => jest.clearAllMocks());

  test('a WardenError keeps its code and safe extensions; its cause is logged, never sent', () => {
    const cause = new Error('connect ECONNREFUSED 10.0.0.5:6379 password=hunter2');
    const thrown = wrap(new WardenError('RATE_LIMITED', { cause, extensions: { retryAfter: 30 } }));
    const out = format(formatted, thrown);
    expect(out.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter: 30 });
    expect(JSON.stringify(out)).not.toContain('hunter2');
    logGraphQLError(logger, thrown);
    expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ err: cause, code: 'RATE_LIMITED', path: ['field'] }), expect.any(String));
  });

  test('an unexpected error is logged as an error with its original; parse and validation failures are not logged', () => {
    const original = new TypeError('boom');
    logGraphQLError(logger, wrap(original));
    expect(logger.error).toHaveBeenCalledWith({ err: original, path: ['field'] }, 'unexpected error');
    logGraphQLError(logger, new GraphQLError('Cannot query field', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(logger.info).not.toHaveBeenCalled();
  });

  test("type-graphql's authorization failure is FORBIDDEN (never UNAUTHORIZED); authentication is UNAUTHENTICATED", () => {
    expect(format(formatted, wrap(new AuthorizationError())).extensions?.code).toBe('FORBIDDEN');
    expect(format(formatted, wrap(new AuthenticationError())).extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('a database connection failure is SERVICE_UNAVAILABLE', () => {
    const pgDown = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(format(formatted, wrap(pgDown)).extensions?.code).toBe('SERVICE_UNAVAILABLE');
    const terminated = { name: 'QueryFailedError', message: 'x', driverError: { message: 'Connection terminated unexpectedly' } };
    expect(format(formatted, wrap(terminated)).extensions?.code).toBe('SERVICE_UNAVAILABLE');
  });

  test('anything else is masked INTERNAL_SERVER_ERROR with no stack outside development', () => {
    const out = format(formatted, wrap(new TypeError('secret detail at /srv/app.js')));
    expect(out).toEqual({ message: 'Internal server error.', locations: undefined, path: ['field'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    const dev = createFormatError({ exposeStack: true })(formatted, wrap(new TypeError('detail')));
    expect(dev.message).toBe('detail');
    expect(dev.extensions?.stacktrace).toBeDefined();
  });

  test("Apollo's parse and validation codes pass through without stack traces", () => {
    const out = format({ message: 'Cannot query field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['a'] } }, new GraphQLError('v'));
    expect(out.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });
});

describe('SQLSTATE class 22 backstop', () => {
  test.each(['22021', '22P02', '22001', '22003'])('a PostgreSQL data exception %s answers BAD_USER_INPUT, never a 500', (code) => {
    const driverError = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code });
    const thrown = Object.assign(new Error('QueryFailedError'), { driverError });
    expect(toWardenError(thrown)).toMatchObject({ code: 'BAD_USER_INPUT' });
  });
  test('other SQLSTATEs are not mapped', () => {
    expect(toWardenError(Object.assign(new Error('x'), { code: '23502' }))).toBeNull();
  });
});
