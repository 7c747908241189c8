import { startTestApp, type TestApp } from '../support/start-test-app';
import { rawPost } from '../support/graphql-client';
import { SmtpInbox, codeFrom } from '../support/smtp-inbox';
import { SmtpTransport } from '../../src/mail/smtp-transport';
import type { MailMessage, MailTransport } from '../../src/mail/mail-transport';
import { RedisKvStore } from '../../src/store/redis-kv-store';
import { sleep } from '../support/attack';

/** Real SMTP delivery that can be held at the door, to keep a request in flight. */
class GatedTransport implements MailTransport {
  private release!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.release = resolve));
  sending = false;
  constructor(private readonly inner: SmtpTransport) {}
  async send(message: MailMessage): Promise<void> {
    this.sending = true;
    await this.gate;
    await this.inner.send(message);
  }
  open(): void {
    this.release();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('SIGTERM (app.close(), what main.ts calls): in-flight requests finish, new ones are refused, pools close', () => {
  let inbox: SmtpInbox;
  let gated: GatedTransport;
  let t: TestApp;
  beforeAll(async () => {
    inbox = await SmtpInbox.start();
    gated = new GatedTransport(new SmtpTransport(inbox.url, 'Warden Test <no-reply@warden.test>'));
    t = await startTestApp({ overrides: { mailTransport: gated } });
  });
  afterAll(async () => {
    gated?.open();
    await t?.close().catch(() => undefined);
    await inbox?.stop();
  });

  test('a signup waiting on its mail completes with its challenge while the server drains', async () => {
    const inFlight = rawPost(
      t.url,
      JSON.stringify({
        query: 'mutation { signup(input: { email: "drain@example.com", password: "correct horse battery staple" }) { challengeId destination } }',
      }),
    );
    const deadline = Date.now() + 10_000;
    while (!gated.sending) {
      if (Date.now() > deadline) throw new Error('the signup never reached the mail transport');
      await sleep(20);
    }

    let closed = false;
    const closing = t.app.close().then(() => (closed = true));
    await sleep(200);
    expect(closed).toBe(false); // waiting for the in-flight request
    expect(t.app.dataSource.isInitialized).toBe(true);

    // A new request during the drain is turned away (503 on a kept-alive socket, or refused outright).
    const late = await rawPost(t.url, JSON.stringify({ query: '{ viewer { id } }' })).then(
      (r) => r.status,
      () => 'refused',
    );
    expect([503, 'refused']).toContain(late);

    gated.open();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.json.data.signup).toMatchObject({ destination: 'd***@e***.com' });
    expect(codeFrom(await inbox.waitForMail('drain@example.com'))).toMatch(/^\d{6}$/);

    await closing;
    expect(t.app.dataSource.isInitialized).toBe(false);
    if (t.app.kv instanceof RedisKvStore) await expect(t.app.kv.ping()).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
