import { buildSchema } from 'graphql';
import pino from 'pino';
import { loadConfig } from '../../src/config/config';
import { createHttpServer } from '../../src/http/server';
import type { Context } from '../../src/graphql/context';

/** `curl <url>/graphql`: a GET without Accept: text/html, which Apollo's CSRF prevention refuses. */
async function curlGraphql(isProduction: boolean): Promise<{ status: number; body: { errors: { message: string; extensions: Record<string, unknown> }[] } }> {
  const { fastify } = await createHttpServer({
    schema: buildSchema('type Query { ok: Boolean }'),
    logger: pino({ level: 'silent' }),
    isProduction,
    exposeErrors: false,
    corsOrigins: [],
    createContext: async () => ({}) as Context,
    readiness: [],
    graphqlLimits: loadConfig({}).limits,
  });
  try {
    const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${url}/graphql`, { headers: { accept: '*/*' } });
    return { status: response.status, body: await response.json() };
  } finally {
    await fastify.close();
  }
}

describe('GET /graphql from curl: the CSRF refusal says what to do instead', () => {
  test('development: Sandbox needs a browser (and the internet); a script POSTs JSON', async () => {
    const { status, body } = await curlGraphql(false);
    expect(status).toBe(400);
    const [error] = body.errors;
    expect(error!.message).toMatch(/Cross-Site Request Forgery/);
    expect(error!.extensions.code).toBe('BAD_REQUEST');
    expect(error!.extensions.hint).toMatch(/Apollo Sandbox/);
    expect(error!.extensions.hint).toMatch(/browser/);
    expect(error!.extensions.hint).toMatch(/internet/);
    expect(error!.extensions.hint).toMatch(/content-type: application\/json/);
  });

  test('production: no Sandbox to point at, only how to POST JSON', async () => {
    const { status, body } = await curlGraphql(true);
    expect(status).toBe(400);
    const [error] = body.errors;
    expect(error!.extensions.code).toBe('BAD_REQUEST');
    expect(error!.extensions.hint).toMatch(/content-type: application\/json/);
    expect(error!.extensions.hint).not.toMatch(/Sandbox/);
  });
});
