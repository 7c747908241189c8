import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { lazyChildLogger } from './lazy-child-logger';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const logger = pino({ level, redact: { paths: ['req.headers.authorization'], censor: '[redacted]' } }, stream);
  let children = 0;
  const original = logger.child.bind(logger);
  (logger as unknown as { child: typeof logger.child }).child = ((...args: Parameters<typeof logger.child>) => {
    children += 1;
    return original(...args);
  }) as typeof logger.child;
  return { logger: logger as unknown as FastifyBaseLogger, lines, children: () => children };
}

describe('lazyChildLogger', () => {
  test('makes no child while nothing is written at an enabled level', () => {
    const { logger, lines, children } = capture('warn');
    const child = lazyChildLogger(logger, { reqId: 'r1' }, {});
    child.info({ req: {} }, 'incoming request');
    child.debug('detail');
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
  });

  test('writes through a real child, with its bindings and the redaction, when a level is enabled', async () => {
    const { logger, lines, children } = capture('info');
    const child = lazyChildLogger(logger, { reqId: 'r2' }, {});
    child.warn({ req: { headers: { authorization: 'Bearer secret' } } }, 'careful');
    child.info('again');
    await new Promise((r) => setImmediate(r));
    expect(children()).toBe(1);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'r2', msg: 'careful', req: { headers: { authorization: '[redacted]' } } });
    expect(child.level).toBe('info');
  });
});
