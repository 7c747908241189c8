import type { TestApp } from '../support/start-test-app';
import { PASSWORD, uniqueEmail } from '../support/flows';
import { codeFrom } from '../support/smtp-inbox';
import type { WardenClient } from '../support/graphql-client';
import type { TcpProxy } from '../support/pubsub-proxy';
import { describeTwoInstances, revocationsLocal, startTwoInstances, twoInstancesTitle, until, type TwoInstances } from '../support/two-instances';
import { withTransaction } from '../../src/db/transaction';
import { SignupDocument, VerifyOtpDocument, ViewerProfileDocument } from '../graphql/generated/graphql';

interface Person {
  userId: string;
  organizationId: string;
  accessToken: string;
}

/** Signs up on `t` with a name and an organization, verifies the mailed code, returns the session. */
async function signUpWithOrganization(t: TestApp, name: string, organization: string): Promise<Person> {
  const email = uniqueEmail('profile');
  const client = t.client();
  const { signup } = await client.request(SignupDocument, { input: { email, password: PASSWORD, name, organization: { name: organization } } });
  const { verifyOtp } = await client.request(VerifyOtpDocument, {
    input: { challengeId: signup.challengeId, code: codeFrom(await t.inbox.waitForMail(email)) },
  });
  const [row] = (await t.app.dataSource.query(`SELECT organization_id FROM ${t.table('users')} WHERE id = $1`, [verifyOtp.user.id])) as {
    organization_id: string;
  }[];
  return { userId: verifyOtp.user.id, organizationId: row!.organization_id, accessToken: verifyOtp.accessToken };
}

async function profile(client: WardenClient): Promise<{ name: string | null; organization: string | null }> {
  const { viewer } = await client.query(ViewerProfileDocument);
  return { name: viewer?.name ?? null, organization: viewer?.organization?.name ?? null };
}

/** A write to PostgreSQL that does NOT call the hook: only a database read can show it. */
async function renameSilently(t: TestApp, userId: string, name: string): Promise<void> {
  await t.app.dataSource.query(`UPDATE ${t.table('users')} SET name = $2 WHERE id = $1`, [userId, name]);
}

describeTwoInstances(`profile fields from the in-process cache, invalidated through pub/sub${twoInstancesTitle}`, () => {
  let instances: TwoInstances | undefined;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    instances = await startTwoInstances('profiles');
    ({ a, b, proxy } = instances);
  });

  afterAll(() => instances?.close());

  afterEach(async () => {
    proxy.restore();
    await until(async () => (await revocationsLocal(b)) === 1, 'B is current again');
  });

  test('B answers from its cache; a change written on A (usersChanged) shows on B within a second', async () => {
    const person = await signUpWithOrganization(a, 'Ada', 'Analytical');
    const onB = b.client();
    onB.accessToken = person.accessToken;
    expect(await profile(onB)).toEqual({ name: 'Ada', organization: 'Analytical' });

    // Cached: a write nobody announced is not seen (this is what the hook is for).
    await renameSilently(a, person.userId, 'Unannounced');
    expect(await profile(onB)).toEqual({ name: 'Ada', organization: 'Analytical' });

    // The same kind of write, announced after COMMIT through the one hook.
    const changedAt = Date.now();
    await withTransaction(a.app.dataSource, async (em) => {
      await em.query(`UPDATE ${a.table('users')} SET name = 'Ada Lovelace' WHERE id = $1`, [person.userId]);
      a.app.users.usersChanged(em, [person.userId]);
    });
    for (;;) {
      const seen = await profile(onB);
      if (seen.name === 'Ada Lovelace') break;
      expect(seen.name).toBe('Ada'); // the cached value until the message arrives, nothing else
      expect(Date.now() - changedAt).toBeLessThan(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(Date.now() - changedAt).toBeLessThan(1000);

    // An organization change, by the organization's id.
    const renamedAt = Date.now();
    await withTransaction(a.app.dataSource, async (em) => {
      await em.query(`UPDATE ${a.table('organizations')} SET name = 'Difference Engines' WHERE id = $1`, [person.organizationId]);
      a.app.users.usersChanged(em, [], [person.organizationId]);
    });
    await until(async () => (await profile(onB)).organization === 'Difference Engines', 'B shows the new organization name', 1000);
    expect(Date.now() - renamedAt).toBeLessThan(1000);
  });

  test('a rolled back write publishes nothing and changes nothing', async () => {
    const person = await signUpWithOrganization(a, 'Grace', 'Navy');
    // The signup's own announcement (its email verified) is published after its answer: let it reach B
    // (within a second) before B caches, or it would drop B's entry later and look like a leak of the rollback.
    await new Promise((r) => setTimeout(r, 1000));
    const onB = b.client();
    onB.accessToken = person.accessToken;
    expect(await profile(onB)).toEqual({ name: 'Grace', organization: 'Navy' });
    await expect(
      withTransaction(a.app.dataSource, async (em) => {
        await em.query(`UPDATE ${a.table('users')} SET name = 'Never' WHERE id = $1`, [person.userId]);
        a.app.users.usersChanged(em, [person.userId]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await renameSilently(a, person.userId, 'Unannounced');
    await new Promise((r) => setTimeout(r, 200));
    // B still has 'Grace': nothing told it otherwise. Under load its heartbeat can fall behind
    // REVOCATION_MAX_LAG_MS for a moment, and then it rightly reads PostgreSQL (without filling its cache), so
    // read while B is current. Had the rolled-back write been announced, B's first current read would have
    // cached 'Unannounced' and no read would ever show 'Grace' again.
    const seen: (string | null)[] = [];
    for (let i = 0; i < 10 && !seen.includes('Grace'); i++) {
      await until(async () => (await revocationsLocal(b)) === 1, 'B is current');
      seen.push((await profile(onB)).name);
    }
    expect(seen).toContain('Grace');
    expect(seen.every((name) => name === 'Grace' || name === 'Unannounced')).toBe(true);
  });

  test.each([
    ['cut (connections reset)', (p: TcpProxy) => p.cutSubscribers()],
    ['frozen (a silent partition)', (p: TcpProxy) => p.freezeSubscribers()],
  ])('while the pub/sub connection is %s, B reads PostgreSQL; afterwards nothing cached before the cut is used', async (_how, breakIt) => {
    const person = await signUpWithOrganization(a, 'Edsger', 'Eindhoven');
    const onB = b.client();
    onB.accessToken = person.accessToken;
    expect(await profile(onB)).toEqual({ name: 'Edsger', organization: 'Eindhoven' });
    // Let the signup's own announcement age out of the retained history (1 s), so that the replay after the
    // cut cannot be what drops the old entries: only the generation check can.
    await new Promise((r) => setTimeout(r, 1200));

    breakIt(proxy);
    await until(async () => (await revocationsLocal(b)) === 0, 'B knows its channel is not current');
    // Nothing is announced (the channel is down): every answer must still be what PostgreSQL holds.
    for (const name of ['During 1', 'During 2', 'During 3']) {
      await renameSilently(a, person.userId, name);
      expect(await profile(onB)).toEqual({ name, organization: 'Eindhoven' });
    }
    await a.app.dataSource.query(`UPDATE ${a.table('organizations')} SET name = 'TU/e' WHERE id = $1`, [person.organizationId]);
    expect(await profile(onB)).toEqual({ name: 'During 3', organization: 'TU/e' });

    proxy.restore();
    await until(async () => (await revocationsLocal(b)) === 1, 'B is current again');
    // The entry cached before the cut ('Edsger') belongs to an older generation: never served again.
    expect(await profile(onB)).toEqual({ name: 'During 3', organization: 'TU/e' });
    // And the cache works again once current: filled, then invalidated by the hook.
    await renameSilently(a, person.userId, 'Unannounced');
    expect((await profile(onB)).name).toBe('During 3');
    a.app.users.usersChanged(a.app.dataSource.manager, [person.userId]);
    await until(async () => (await profile(onB)).name === 'Unannounced', 'B shows the announced change', 1000);
  });
});
