import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { withTransaction } from '../../src/db/transaction';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { codeFrom } from '../support/smtp-inbox';
import { hasRedisServerBinary, startPrivateRedis, type PrivateRedis } from '../support/private-redis';
import {
  LoginDocument,
  LogoutDocument,
  RefreshSessionDocument,
  ResendOtpDocument,
  SignupDocument,
  VerifyOtpDocument,
  ViewerBasicDocument,
  ViewerProfileDocument,
} from '../graphql/generated/graphql';

const suite = hasRedisServerBinary ? describe : describe.skip;
const title = hasRedisServerBinary ? '' : ' (requires a redis-server binary: skipped)';
const wrong = (code: string) => String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');

suite(`two instances on a 3-master Redis Cluster${title}`, () => {
  const clock = new TestClock();
  let cluster: PrivateRedis;
  let a: TestApp;
  let b: TestApp;
  const prefix = `test:cluster:${randomUUID()}:`;

  beforeAll(async () => {
    cluster = await startPrivateRedis({ cluster: true, masters: 3 });
    const env = {
      REDIS_URL: '', // not the machine's Redis: the cluster only
      REDIS_CLUSTER_NODES: cluster.ports.map((p) => `127.0.0.1:${p}`).join(','),
      REDIS_KEY_PREFIX: prefix,
      REFRESH_REUSE_INTERVAL: '5',
    };
    a = await startTestApp({ env, overrides: { now: clock.now } });
    b = await startTestApp({ env, shareWith: a, overrides: { now: clock.now } });
  }, 90_000);

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await cluster?.stop();
  });

  test('signup on A, the emailed code verified on B, viewer on both', async () => {
    const onA = a.client();
    const email = uniqueEmail('cluster');
    const { signup } = await onA.request(SignupDocument, { input: { email, password: PASSWORD } });
    const onB = b.client();
    const { verifyOtp } = await onB.request(VerifyOtpDocument, {
      input: { challengeId: signup.challengeId, code: codeFrom(await a.inbox.waitForMail(email)) },
    });
    expect(verifyOtp.user).toMatchObject({ email, emailVerified: true });
    for (const client of [onA, onB]) {
      client.accessToken = verifyOtp.accessToken;
      expect((await client.query(ViewerBasicDocument)).viewer?.id).toBe(verifyOtp.user.id);
    }
  });

  test('login on B, code verified on A', async () => {
    const email = uniqueEmail('cluster-login');
    await signUpAndVerify(a, a.client(), email);
    const onB = b.client();
    const { login } = await onB.request(LoginDocument, { input: { email, password: PASSWORD } });
    const code = codeFrom(await b.inbox.waitForMail(email));
    const { verifyOtp } = await a.client().request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code } });
    expect(verifyOtp.user.email).toBe(email);
  });

  test('a code locks after 5 wrong tries spread over both instances; the right code then fails too', async () => {
    const email = uniqueEmail('cluster-lock');
    await signUpAndVerify(a, a.client(), email);
    const { login } = await a.client().request(LoginDocument, { input: { email, password: PASSWORD } });
    const code = codeFrom(await a.inbox.waitForMail(email, 2));
    for (let attempt = 1; attempt <= 5; attempt++) {
      const instance = attempt % 2 ? a : b;
      const client = instance.client();
      const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: wrong(code) } }));
      expect(err.code).toBe('INVALID_OTP');
      expect(err.extensions.attemptsLeft).toBe(5 - attempt);
    }
    for (const instance of [a, b]) {
      const client = instance.client();
      const err = await client.error(client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code } }));
      expect(err.code).toBe('OTP_EXPIRED');
    }
  });

  test('20 parallel guesses on both instances cannot beat the attempt budget', async () => {
    const email = uniqueEmail('cluster-race');
    await signUpAndVerify(a, a.client(), email);
    const { login } = await b.client().request(LoginDocument, { input: { email, password: PASSWORD } });
    const code = codeFrom(await b.inbox.waitForMail(email, 1)); // each instance has its own SMTP inbox
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).client().request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: wrong(code) } }),
      ),
    );
    const codes = results.map((r) => (r.status === 'rejected' ? (r.reason as { info: { code: string } }).info.code : 'OK'));
    expect(codes.filter((c) => c === 'INVALID_OTP')).toHaveLength(5);
    expect(codes.filter((c) => c === 'OTP_EXPIRED')).toHaveLength(15);
  });

  test('refresh reuse is detected across instances: the whole session ends on both', async () => {
    const email = uniqueEmail('cluster-refresh');
    const first = await signUpAndVerify(a, a.client(), email);
    const { refreshSession: second } = await a.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken });
    clock.advance(6);
    try {
      const reuse = await b.client().error(b.client().request(RefreshSessionDocument, { refreshToken: first.refreshToken }));
      expect(reuse.code).toBe('INVALID_TOKEN');
      const after = await a.client().error(a.client().request(RefreshSessionDocument, { refreshToken: second.refreshToken }));
      expect(after.code).toBe('INVALID_TOKEN');
      for (const instance of [a, b]) {
        const client = instance.client();
        client.accessToken = second.accessToken;
        expect((await client.error(client.query(ViewerBasicDocument))).code).toBe('UNAUTHENTICATED');
      }
    } finally {
      clock.advance(-6);
    }
  });

  test('logout on A: B refuses the access token within a second (pub/sub across the cluster)', async () => {
    const email = uniqueEmail('cluster-logout');
    const onA = a.client();
    const auth = await signUpAndVerify(a, onA, email);
    const onB = b.client();
    onB.accessToken = auth.accessToken;
    expect((await onB.query(ViewerBasicDocument)).viewer?.id).toBe(auth.user.id);
    const revokedAt = Date.now();
    await onA.request(LogoutDocument);
    let code: string | null = null;
    while (!code && Date.now() - revokedAt < 1000) {
      code = await onB.query(ViewerBasicDocument).then(
        () => null,
        (error: { info: { code: string } }) => error.info.code,
      );
      if (!code) await new Promise((r) => setTimeout(r, 20));
    }
    expect(code).toBe('UNAUTHENTICATED');
  });

  test('rate limits are shared: a resend on B right after signup on A is RATE_LIMITED', async () => {
    const email = uniqueEmail('cluster-resend');
    const { signup } = await a.client().request(SignupDocument, { input: { email, password: PASSWORD } });
    const err = await b.client().error(b.client().request(ResendOtpDocument, { challengeId: signup.challengeId }));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.extensions.retryAfter).toBeGreaterThan(0);
  });

  test('a second login on B for an account created on A works (shared PostgreSQL, stateless instances)', async () => {
    const email = uniqueEmail('cluster-again');
    await signUpAndVerify(a, a.client(), email);
    const auth = await logIn(b, b.client(), email);
    expect(auth.user.email).toBe(email);
  });

  test('the keys really are spread over the masters (hash tags keep each script on one slot)', () => {
    const counts = cluster.keyCounts(`${prefix}*`);
    expect(counts.reduce((x, y) => x + y, 0)).toBeGreaterThan(10);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });

  test('the invalidation channel is sharded on the node that owns its slot: both instances subscribe there and nowhere else', () => {
    const channel = `${prefix}pubsub:{sessions.revoked}`;
    const subscribers = cluster.ports.map((port) => {
      const out = execFileSync('redis-cli', ['-p', String(port), 'PUBSUB', 'SHARDNUMSUB', channel], { encoding: 'utf8' })
        .trim()
        .split('\n');
      return Number(out[1] ?? 0);
    });
    expect(subscribers.filter((n) => n > 0)).toEqual([2]);
    const owner = cluster.ports[subscribers.findIndex((n) => n > 0)]!;
    // The retained history (written by the same script that publishes) is on that node too.
    const history = cluster.keyCounts(`${prefix}pubsub:{sessions.revoked}:retained`);
    expect(history[cluster.ports.indexOf(owner)]).toBe(1);
    expect(execFileSync('redis-cli', ['-p', String(owner), 'CLUSTER', 'NODES'], { encoding: 'utf8' })).toMatch(new RegExp(`:${owner}@\\d+ myself,master`));
  });

  test('a profile change written on A (usersChanged) shows on B within a second; B answered from its cache before', async () => {
    const email = uniqueEmail('cluster-profile');
    const auth = await signUpAndVerify(a, a.client(), email);
    const onB = b.client();
    onB.accessToken = auth.accessToken;
    const name = async () => (await onB.query(ViewerProfileDocument)).viewer?.name ?? null;
    expect(await name()).toBeNull();
    await a.app.dataSource.query(`UPDATE ${a.table('users')} SET name = 'Silent' WHERE id = $1`, [auth.user.id]);
    expect(await name()).toBeNull(); // cached on B
    const changedAt = Date.now();
    await withTransaction(a.app.dataSource, async (em) => {
      await em.query(`UPDATE ${a.table('users')} SET name = 'Announced' WHERE id = $1`, [auth.user.id]);
      a.app.users.usersChanged(em, [auth.user.id]);
    });
    for (let seen = await name(); seen !== 'Announced'; seen = await name()) {
      expect(seen).toBeNull();
      expect(Date.now() - changedAt).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(Date.now() - changedAt).toBeLessThan(1000);
  });
});
