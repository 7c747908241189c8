import type { TestApp } from '../support/start-test-app';
import { signUpAndVerify } from '../support/flows';
import type { WardenClient } from '../support/graphql-client';
import type { TcpProxy } from '../support/pubsub-proxy';
import { describeTwoInstances, revocationsLocal, startTwoInstances, twoInstancesTitle, until, type TwoInstances } from '../support/two-instances';
import { LogoutDocument, ViewerBasicDocument } from '../graphql/generated/graphql';

/**
 * Asks viewer on the other instance until it refuses. Every answer before that must be the viewer (the
 * revocation simply had not arrived); anything else (a 500, SERVICE_UNAVAILABLE) fails the test.
 * Returns how long the refusal took, measured from `sinceMs`.
 */
async function refusedWithin(client: WardenClient, sinceMs: number, limitMs: number, code = 'UNAUTHENTICATED'): Promise<number> {
  for (;;) {
    try {
      const { viewer } = await client.query(ViewerBasicDocument);
      expect(viewer).not.toBeNull();
    } catch (error) {
      const info = (error as { info?: { code: string } }).info;
      expect(info?.code).toBe(code);
      const elapsedMs = Date.now() - sinceMs;
      expect(elapsedMs).toBeLessThan(limitMs);
      return elapsedMs;
    }
    if (Date.now() - sinceMs > limitMs) throw new Error(`still accepted ${Date.now() - sinceMs} ms after the revocation`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describeTwoInstances(`a revoked session is refused by every instance within a second${twoInstancesTitle}`, () => {
  let instances: TwoInstances | undefined;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    instances = await startTwoInstances('revocation');
    ({ a, b, proxy } = instances);
  });

  afterAll(() => instances?.close());

  afterEach(async () => {
    proxy.restore();
    await until(async () => (await revocationsLocal(b)) === 1, 'B is current again');
  });

  /** A user signed in through A whose access token B has already accepted (B remembers it as verified). */
  async function sessionSeenByB(): Promise<{ onA: WardenClient; onB: WardenClient }> {
    const onA = a.client();
    const auth = await signUpAndVerify(a, onA);
    const onB = b.client();
    onB.accessToken = auth.accessToken;
    expect((await onB.query(ViewerBasicDocument)).viewer?.id).toBe(auth.user.id);
    return { onA, onB };
  }

  test('logout on A: B refuses the access token within a second, from its own copy of the list', async () => {
    const { onA, onB } = await sessionSeenByB();
    expect(await revocationsLocal(b)).toBe(1);
    const revokedAt = Date.now();
    expect((await onA.request(LogoutDocument)).logout).toBe(true);
    await refusedWithin(onB, revokedAt, 1000);
  });

  test('with B’s pub/sub connection cut, B asks Redis on every request: revocations still land at once, live sessions still work', async () => {
    const { onA, onB } = await sessionSeenByB();
    const { onB: bystander } = await sessionSeenByB();
    proxy.cutSubscribers();
    await until(async () => (await revocationsLocal(b)) === 0, 'B notices the cut');
    const revokedAt = Date.now();
    await onA.request(LogoutDocument);
    await refusedWithin(onB, revokedAt, 1000);
    expect((await bystander.query(ViewerBasicDocument)).viewer).not.toBeNull();
  });

  test('a session revoked while B was cut off stays refused after B reconnects (it replays what it missed)', async () => {
    const { onA, onB } = await sessionSeenByB();
    proxy.cutSubscribers();
    await until(async () => (await revocationsLocal(b)) === 0, 'B notices the cut');
    await onA.request(LogoutDocument);
    proxy.restore();
    await until(async () => (await revocationsLocal(b)) === 1, 'B resubscribes');
    // Now answered from B's local copy only: it must have replayed the revocation it missed.
    const err = await onB.error(onB.query(ViewerBasicDocument));
    expect(err.code).toBe('UNAUTHENTICATED');
  });

  test('while the pub/sub connection is cut and restored over and over, every revocation reaches B within a second', async () => {
    for (let cycle = 0; cycle < 4; cycle++) {
      const first = await sessionSeenByB();
      const second = await sessionSeenByB();
      proxy.cutSubscribers();
      let revokedAt = Date.now();
      await first.onA.request(LogoutDocument);
      await refusedWithin(first.onB, revokedAt, 1000);
      proxy.restore();
      // Revoked right as B reconnects: before, during or after its resubscription.
      await new Promise((r) => setTimeout(r, cycle * 40));
      revokedAt = Date.now();
      await second.onA.request(LogoutDocument);
      await refusedWithin(second.onB, revokedAt, 1000);
    }
  });

  test('a silent partition (socket open, nothing flowing) is caught by the heartbeat: refused within a second', async () => {
    const { onA, onB } = await sessionSeenByB();
    proxy.freezeSubscribers();
    const revokedAt = Date.now();
    await onA.request(LogoutDocument);
    await refusedWithin(onB, revokedAt, 1000);
    // The refusal came from Redis because the heartbeat lapsed and B stopped trusting its copy, not from the
    // copy itself (that would mean the revocation got through the frozen connection and nothing here tested
    // the heartbeat). Still frozen, so B cannot have become current again since.
    expect(await revocationsLocal(b)).toBe(0);
  });

  test('with Redis unreachable from B, B fails closed: SERVICE_UNAVAILABLE, never a stale yes', async () => {
    const { onB } = await sessionSeenByB();
    const cutAt = Date.now();
    proxy.cutAll();
    await refusedWithin(onB, cutAt, 1000, 'SERVICE_UNAVAILABLE');
    proxy.restore();
    await until(async () => (await revocationsLocal(b)) === 1, 'B is back');
    expect((await onB.query(ViewerBasicDocument)).viewer).not.toBeNull();
  });
});
