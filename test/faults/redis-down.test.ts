import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { countRows, signUpVerified, sleep } from '../support/attack';
import { hasRedisServerBinary, RedisServer } from '../support/redis-server';
import {
  LoginDocument,
  RefreshSessionDocument,
  RequestMagicLinkDocument,
  RequestOtpDocument,
  SignupDocument,
  VerifyOtpDocument,
  ViewerBasicDocument,
} from '../graphql/generated/graphql';

const PASSWORD = 'correct horse battery staple';
const describeWithRedis = hasRedisServerBinary ? describe : describe.skip;

async function readyz(t: TestApp): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/readyz`);
  return { status: res.status, body: await res.json() };
}

async function waitUntilReady(t: TestApp): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await readyz(t)).status !== 200) {
    if (Date.now() > deadline) throw new Error('the app did not see Redis come back');
    await sleep(100);
  }
}

// A private redis-server on a random port, killed and restarted: the machine's shared Redis is never touched.
describeWithRedis(
  `Redis stopped: everything that needs a limit or a code fails closed, then recovers without a restart${hasRedisServerBinary ? '' : ' (requires redis-server)'}`,
  () => {
    let redis: RedisServer;
    let t: TestApp;
    beforeAll(async () => {
      redis = await RedisServer.start();
      t = await startTestApp({ env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'fault:' } });
    });
    afterAll(async () => {
      await t?.close();
      await redis?.stop();
    });

    test('SERVICE_UNAVAILABLE on every flow, nothing sent or written; back to normal once Redis returns', async () => {
      const { client: signedIn } = await signUpVerified(t, 'redis@example.com', PASSWORD);
      const owner = t.client();
      const { requestOtp } = await owner.request(RequestOtpDocument, { input: { email: 'redis@example.com' } });
      const code = codeFrom(await t.inbox.waitForMail('redis@example.com', 2));
      const mailsBefore = t.inbox.mails.length;
      const challengesBefore = await countRows(t, 'SELECT count(*) AS n FROM {otp_challenges}');

      await redis.stop();

      const anon = t.client();
      const attempts = {
        signup: anon.request(SignupDocument, { input: { email: 'new@example.com', password: PASSWORD } }),
        login: anon.request(LoginDocument, { input: { email: 'redis@example.com', password: PASSWORD } }),
        requestOtp: anon.request(RequestOtpDocument, { input: { email: 'redis@example.com' } }),
        requestMagicLink: anon.request(RequestMagicLinkDocument, { input: { email: 'redis@example.com' } }),
        verifyOtp: owner.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } }),
        refreshSession: anon.request(RefreshSessionDocument, { refreshToken: 'x' }),
        // A bearer token cannot be trusted without the revocation list: not "signed in anyway".
        viewer: signedIn.query(ViewerBasicDocument),
      };
      for (const [name, promise] of Object.entries(attempts)) {
        const error = await anon.error(promise);
        expect({ name, code: error.code, dependency: error.extensions.dependency }).toEqual({ name, code: 'SERVICE_UNAVAILABLE', dependency: 'redis' });
      }
      expect(t.inbox.mails.length).toBe(mailsBefore);
      expect(await countRows(t, 'SELECT count(*) AS n FROM {otp_challenges}')).toBe(challengesBefore);
      expect(await countRows(t, `SELECT count(*) AS n FROM {users} WHERE email = 'new@example.com'`)).toBe(0);
      const down = await readyz(t);
      expect(down).toMatchObject({ status: 503, body: { failed: ['store'] } });

      await redis.restart();
      await waitUntilReady(t);

      // The code was neither spent nor consumed while Redis was away.
      const { verifyOtp } = await owner.request(VerifyOtpDocument, { input: { challengeId: requestOtp.challengeId, code } });
      owner.accessToken = verifyOtp.accessToken;
      expect((await owner.query(ViewerBasicDocument)).viewer?.email).toBe('redis@example.com');
      expect((await signedIn.query(ViewerBasicDocument)).viewer?.email).toBe('redis@example.com');
      await anon.request(SignupDocument, { input: { email: 'new@example.com', password: PASSWORD } });
      await t.inbox.waitForMail('new@example.com');
    });

    test('limits hold again after the restart (the limiter is not bypassed on recovery)', async () => {
      const client = t.client();
      const answers: string[] = [];
      for (let i = 0; i < 6; i++) {
        answers.push(
          await client.request(RequestOtpDocument, { input: { email: 'after@example.com' } }).then(
            () => 'OK',
            (e) => e.info.code,
          ),
        );
      }
      expect(answers).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'RATE_LIMITED']);
    });
  },
);
