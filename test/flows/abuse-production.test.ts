import { shippedIpLimits, startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { codeFrom } from '../support/smtp-inbox';
import { errorsOf, realRedis, realRedisAvailable } from '../support/attack';
import { backends } from '../support/backends';

// NODE_ENV=production refuses to start without DATABASE_URL and REDIS_URL (no embedded defaults): this
// runs against REDIS_URL, or a private redis-server when it is unset, and skips only when neither exists.
const redisSource = backends.redisUrl ? 'REDIS_URL' : 'a private redis-server (REDIS_URL unset)';
const describeProd = realRedisAvailable ? describe : describe.skip;

describeProd(
  `NODE_ENV=production: no introspection, no field suggestions, no Sandbox, no stack traces (${realRedisAvailable ? redisSource : 'requires REDIS_URL or redis-server'})`,
  () => {
    let redis: { url: string; stop(): Promise<void> };
    let t: TestApp;
    const bodies: string[] = [];
    const post = async (body: object, headers: Record<string, string> = {}) => {
      const res = await rawPost(t.url, JSON.stringify(body), headers);
      bodies.push(JSON.stringify(res.json));
      return res;
    };

    beforeAll(async () => {
      redis = (await realRedis())!;
      t = await startTestApp({
        env: {
          ...shippedIpLimits,
          NODE_ENV: 'production',
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: `prod:${process.pid}:${Date.now()}:`,
          SMS_ALLOWED_COUNTRIES: 'GB',
        },
      });
    });
    afterAll(async () => {
      await t?.close();
      await redis?.stop();
    });

    test('the app really runs in production mode', () => {
      expect(t.app.config).toMatchObject({ nodeEnv: 'production', isProduction: true });
    });

    test('introspection is refused: __schema and __type alike', async () => {
      for (const query of ['{ __schema { types { name } } }', '{ __type(name: "User") { fields { name } } }']) {
        const res = await post({ query });
        expect(res.status).toBe(400);
        expect(errorsOf(res.json)[0]).toMatchObject({
          message: expect.stringMatching(/introspection is not allowed/),
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        });
        expect(res.json.data).toBeUndefined();
      }
    });

    test('field suggestions are masked, so typos do not map the schema', async () => {
      const res = await post({ query: '{ viewr { id } }' });
      expect(res.status).toBe(400);
      const message = errorsOf(res.json)[0]!.message;
      expect(message).toMatch(/Cannot query field "viewr"/);
      expect(message).not.toMatch(/Did you mean|"viewer"/);
    });

    test('no Apollo Sandbox: a browser GET gets no landing page', async () => {
      const res = await fetch(`${t.url}/graphql`, { headers: { accept: 'text/html' } });
      const text = await res.text();
      expect(text).not.toMatch(/<html|sandbox/i);
    });

    test('the refresh cookie is Secure, and no error carries a stack trace', async () => {
      const signup = await post({
        query: 'mutation { signup(input: { email: "prod@example.com", password: "correct horse battery staple" }) { challengeId } }',
      });
      const code = codeFrom(await t.inbox.waitForMail('prod@example.com'));
      const verify = await post({
        query: 'mutation V($input: VerifyOtpInput!) { verifyOtp(input: $input) { accessToken } }',
        variables: { input: { challengeId: signup.json.data.signup.challengeId, code } },
      });
      const cookie = verify.headers.getSetCookie().find((c) => c.startsWith('warden_refresh='));
      expect(cookie).toMatch(/; Secure/);
      expect(cookie).toMatch(/; HttpOnly/);
      // A few failures of different kinds, then a look at everything answered in production.
      await post({ query: 'mutation { verifyOtp(input: { challengeId: "not-a-uuid", code: "123456" }) { accessToken } }' });
      await post({ query: 'mutation { requestOtp(input: { phone: "+33612345678" }) { challengeId } }' });
      await post({ query: '{ viewer { id } }' }, { authorization: 'Bearer not-a-token' });
      await post({ query: '{ viewer { id ' });
      expect(bodies.join('\n')).not.toMatch(/stacktrace|\.ts:\d+|node_modules/);
    });
  },
);
