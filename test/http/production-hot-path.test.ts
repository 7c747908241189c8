import { AsyncLocalStorage } from 'node:async_hooks';
import { Writable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { productionRedisEnv } from '../support/attack';
import { logIn, signUpAndVerify, uniqueEmail } from '../support/flows';
import { rawPost, wrongLoginRequestId } from '../support/graphql-client';
import { transactionGuardOn } from '../../src/db/transaction';
import { LogoutDocument, RefreshSessionDocument, ViewerDocument } from '../graphql/generated/graphql';

jest.setTimeout(60_000);

class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

/**
 * On Node.js 20 an AsyncLocalStorage, once entered, makes the process run a hook on every promise it creates:
 * about a quarter of a light request's CPU in `npm run bench`. In production nothing may enter one: the
 * transaction guard is off by default there and request ids reach log lines explicitly.
 */
describe('production: no AsyncLocalStorage on any request path, and log lines still carry their reqId', () => {
  let t: TestApp;
  let redis: Awaited<ReturnType<typeof productionRedisEnv>>;
  const capture = new LogCapture();
  const entered: string[] = [];

  beforeAll(async () => {
    redis = await productionRedisEnv();
    for (const method of ['run', 'enterWith'] as const) {
      const original = AsyncLocalStorage.prototype[method] as (...args: unknown[]) => unknown;
      jest.spyOn(AsyncLocalStorage.prototype, method).mockImplementation(function (this: AsyncLocalStorage<unknown>, ...args: unknown[]) {
        const stack = new Error().stack ?? '';
        // Jest itself runs each test inside one (jest-circus); only Warden and what it calls count here.
        if (!stack.includes('jest-circus'))
          entered.push(
            `${method}: ${stack
              .split('\n')
              .slice(3, 9)
              .map((l) => l.trim())
              .join(' < ')}`,
          );
        return original.apply(this, args);
      } as never);
    }
    t = await startTestApp({
      env: { NODE_ENV: 'production', ...redis.env, TRANSACTION_GUARD: '', LOG_LEVEL: 'info' },
      overrides: { logDestination: capture },
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await t?.close();
    await redis?.stop();
  });

  test('the transaction guard is off by default in production', () => {
    expect(t.app.config.transactionGuard).toBe(false);
    expect(transactionGuardOn()).toBe(false);
  });

  test('signup, code, viewer, refresh, login, a wrong code and logout enter no AsyncLocalStorage', async () => {
    const client = t.client({ 'user-agent': 'hot-path-test' });
    const email = uniqueEmail('hotpath');
    await signUpAndVerify(t, client, email);
    await client.query(ViewerDocument);
    await client.request(RefreshSessionDocument, {});
    await logIn(t, client, email);
    const wrong = await rawPost(
      t.url,
      JSON.stringify({ query: 'mutation { verifyOtp(input: { challengeId: "00000000-0000-4000-8000-000000000000", code: "000000" }) { accessToken } }' }),
    );
    expect(wrong.json.errors?.[0]?.extensions?.code).toBe('OTP_EXPIRED');
    await client.request(LogoutDocument, {});
    expect(entered).toEqual([]);
  });

  test('without it, the operation line and the error line of a request carry the x-request-id it answered with', async () => {
    const requestId = await wrongLoginRequestId(t.url);
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const mine = capture.lines.filter((l) => l.reqId === requestId).map((l) => l.msg);
    expect(mine).toEqual(expect.arrayContaining(['Email or password is incorrect.', 'graphql operation']));
    expect(entered).toEqual([]);
  });
});
