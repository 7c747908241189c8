import { startTestApp, type TestApp } from '../support/start-test-app';
import { codeFrom } from '../support/smtp-inbox';
import { signUpVerified, sleep } from '../support/attack';
import { backends } from '../support/backends';
import { TcpProxy } from '../support/tcp-proxy';
import { LoginDocument, RequestOtpDocument, SignupDocument, VerifyOtpDocument, ViewerBasicDocument } from '../graphql/generated/graphql';

const PASSWORD = 'correct horse battery staple';

async function readyz(t: TestApp): Promise<{ status: number; body: any }> {
  const res = await fetch(`${t.url}/readyz`);
  return { status: res.status, body: await res.json() };
}

// DATABASE_URL is always set in the integration project (real PostgreSQL, or the embedded one globalSetup serves).
describe('PostgreSQL unreachable: SERVICE_UNAVAILABLE with nothing half-done, then recovery without a restart', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  beforeAll(async () => {
    const target = new URL(backends.databaseUrl!);
    proxy = await TcpProxy.start(target.hostname, Number(target.port || 5432));
    t = await startTestApp({ env: { DATABASE_URL: proxy.rewrite(backends.databaseUrl!) } });
  });
  afterAll(async () => {
    await proxy?.restore();
    await t?.close();
    await proxy?.cut();
  });

  test('every flow answers SERVICE_UNAVAILABLE and sends nothing; after the cut is mended, they work again', async () => {
    const { client: signedIn } = await signUpVerified(t, 'pg@example.com', PASSWORD);
    // A passwordless code mailed before the cut, verified while PostgreSQL is away: refused, and not spent.
    const early = (await t.client().request(RequestOtpDocument, { input: { email: 'pg@example.com' } })).requestOtp;
    const earlyCode = codeFrom(await t.inbox.waitForMail('pg@example.com', 2));
    const mailsBefore = t.inbox.mails.length;

    await proxy.cut();

    const anon = t.client();
    const attempts = {
      signup: anon.request(SignupDocument, { input: { email: 'pg-new@example.com', password: PASSWORD } }),
      login: anon.request(LoginDocument, { input: { email: 'pg@example.com', password: PASSWORD } }),
      requestOtp: anon.request(RequestOtpDocument, { input: { email: 'pg@example.com' } }),
      viewer: signedIn.query(ViewerBasicDocument),
      verifyOtp: anon.request(VerifyOtpDocument, { input: { challengeId: early.challengeId, code: earlyCode } }),
    };
    for (const [name, promise] of Object.entries(attempts)) {
      const error = await anon.error(promise);
      expect({ name, code: error.code, dependency: error.extensions.dependency }).toEqual({ name, code: 'SERVICE_UNAVAILABLE', dependency: 'postgres' });
    }
    expect(t.inbox.mails.length).toBe(mailsBefore);
    expect(await readyz(t)).toMatchObject({ status: 503, body: { failed: ['postgres'] } });

    await proxy.restore();
    const deadline = Date.now() + 15_000;
    while ((await readyz(t)).status !== 200) {
      if (Date.now() > deadline) throw new Error('the app did not see PostgreSQL come back');
      await sleep(100);
    }

    expect((await signedIn.query(ViewerBasicDocument)).viewer?.email).toBe('pg@example.com');
    // The refused verifyOtp wrote nothing: the same code signs in now (the one-statement path), once.
    const again = await anon.request(VerifyOtpDocument, { input: { challengeId: early.challengeId, code: earlyCode } });
    expect(again.verifyOtp.user.email).toBe('pg@example.com');
    const { login } = await anon.request(LoginDocument, { input: { email: 'pg@example.com', password: PASSWORD } });
    const code = codeFrom(await t.inbox.waitForMail('pg@example.com', 3));
    const { verifyOtp } = await anon.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code } });
    expect(verifyOtp.user.email).toBe('pg@example.com');
    // The signup refused during the outage left no account behind: it can be made now.
    await anon.request(SignupDocument, { input: { email: 'pg-new@example.com', password: PASSWORD } });
    expect(codeFrom(await t.inbox.waitForMail('pg-new@example.com'))).toMatch(/^\d{6}$/);
  });
});
