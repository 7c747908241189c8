import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { logIn, PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { jwtClaims, raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import type { WardenClient } from '../support/graphql-client';
import { LoginDocument, RefreshSessionDocument, VerifyOtpDocument, ViewerDocument } from '../graphql/generated/graphql';
import { codeAt } from '../support/totp-ref';
import { wardenModules } from '../../src/modules';
import type { WardenModule } from '../../src/modules/module';

jest.setTimeout(180_000);

const doc = (text: TemplateStringsArray) => gql(text) as TypedDocumentNode<any, any>;
const Start = doc`
  mutation Start($input: StartImpersonationInput!) { startImpersonation(input: $input) { accessToken sessionId } }
`;

const clock = new TestClock();
const stamp = Date.now().toString(36);
const ADMIN = `cap.admin.${stamp}@example.com`;

const sid = (client: WardenClient) => jwtClaims(client.accessToken).sid as string;

describe('MAX_SESSIONS_PER_USER=2', () => {
  let t: TestApp;
  let admin: TwoFactorUser;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { MAX_SESSIONS_PER_USER: '2', ADMIN_EMAILS: ADMIN, REAUTH_MAX_AGE_SECONDS: '300' } });
    admin = await userWithAuthenticator(t, clock, ADMIN);
  });
  afterAll(() => t?.close());

  const live = async (userId: string) =>
    (
      (await t.app.dataSource.query(
        `SELECT id FROM ${t.table('sessions')} WHERE user_id = $1 AND revoked_at IS NULL AND impersonator_id IS NULL ORDER BY created_at`,
        [userId],
      )) as { id: string }[]
    ).map((r) => r.id);
  const capAudit = async (userId: string) =>
    (await t.app.dataSource.query(
      `SELECT data FROM ${t.table('audit_events')} WHERE event = 'session.revoked' AND user_id = $1 AND data->>'reason' = 'session_cap'`,
      [userId],
    )) as { data: { sessionIds: string[]; reason: string } }[];
  const capEvents = async (userId: string) =>
    (await t.app.dataSource.query(
      `SELECT data FROM ${t.table('events')} WHERE aggregate_id = $1 AND type = 'session.revoked' AND data->>'reason' = 'session_cap'`,
      [userId],
    )) as { data: { userId: string; sessionId: string; reason: string } }[];

  test('a third sign-in ends the least recently used session: its tokens refused, audited, an event, the owner mailed', async () => {
    const email = uniqueEmail('cap');
    const a = t.client();
    const { user } = await signUpAndVerify(t, a, email);
    clock.advance(5);
    const b = t.client();
    await logIn(t, b, email);
    clock.advance(5);
    // a is used again (refresh): b is now the least recently used.
    const { refreshSession } = await a.request(RefreshSessionDocument, {});
    a.accessToken = refreshSession.accessToken;
    expect(await live(user.id)).toHaveLength(2);
    const mailsBefore = t.inbox.mailsTo(email).length;
    clock.advance(5);
    const c = t.client();
    await logIn(t, c, email);
    const ended = sid(b);
    expect(new Set(await live(user.id))).toEqual(new Set([sid(a), sid(c)]));
    expect(await b.error(b.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await b.error(b.request(RefreshSessionDocument, {}))).toMatchObject({ code: 'INVALID_TOKEN' });
    await expect(a.query(ViewerDocument)).resolves.toMatchObject({ viewer: { id: user.id } });
    await expect(c.query(ViewerDocument)).resolves.toMatchObject({ viewer: { id: user.id } });
    expect(await capAudit(user.id)).toEqual([{ data: expect.objectContaining({ sessionIds: [ended], reason: 'session_cap' }) }]);
    expect(await capEvents(user.id)).toEqual([{ data: { userId: user.id, sessionId: ended, reason: 'session_cap' } }]);
    // The login code, then the notice (after commit).
    const mail = await t.inbox.waitForMail(email, mailsBefore + 2);
    expect(mail.subject).toMatch(/signed out/);
  });

  test('the transactional sign-in (password + authenticator) is capped too', async () => {
    const user = await userWithAuthenticator(t, clock);
    for (let i = 0; i < 2; i++) {
      const client = t.client();
      const { login } = await client.request(LoginDocument, { input: { email: user.email, password: PASSWORD } });
      clock.advance(30);
      const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: codeAt(user.secret, clock.now()) } });
      client.accessToken = verifyOtp.accessToken;
    }
    expect(await live(user.userId)).toHaveLength(2);
    const [row] = await capAudit(user.userId);
    expect(row?.data.sessionIds).toEqual([sid(user.client)]);
    expect(await user.client.error(user.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('impersonation sessions neither count toward the cap nor are pushed out by it', async () => {
    const email = uniqueEmail('capimp');
    const a = t.client();
    const { user } = await signUpAndVerify(t, a, email);
    clock.advance(5);
    await raiseToAal2(clock, admin);
    const { startImpersonation } = await admin.client.request(Start, { input: { userId: user.id, reason: 'ticket 7' } });
    const imp = t.client();
    imp.accessToken = startImpersonation.accessToken;
    clock.advance(5);
    // Second real session: with the impersonation one, three live, but only two count; nothing ends.
    const b = t.client();
    await logIn(t, b, email);
    expect(await capAudit(user.id)).toEqual([]);
    await expect(a.query(ViewerDocument)).resolves.toMatchObject({ viewer: { id: user.id } });
    // A third real one ends the least recently used real session, never the impersonation session.
    clock.advance(5);
    const c = t.client();
    await logIn(t, c, email);
    expect((await capAudit(user.id)).map((r) => r.data.sessionIds)).toEqual([[sid(a)]]);
    await expect(imp.query(ViewerDocument)).resolves.toMatchObject({ viewer: { id: user.id } });
    expect(startImpersonation.sessionId).not.toBe(sid(a));
  });
});

describe('MAX_SESSIONS_PER_USER=0: no cap', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_SESSIONS_PER_USER: '0' } });
  });
  afterAll(() => t?.close());

  test('every sign-in keeps the earlier sessions', async () => {
    const email = uniqueEmail('nocap');
    const clients = [t.client(), t.client(), t.client(), t.client()];
    const { user } = await signUpAndVerify(t, clients[0]!, email);
    for (const client of clients.slice(1)) await logIn(t, client, email);
    for (const client of clients) await expect(client.query(ViewerDocument)).resolves.toMatchObject({ viewer: { id: user.id } });
    const [{ n }] = await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('sessions')} WHERE user_id = $1 AND revoked_at IS NULL`, [user.id]);
    expect(n).toBe(4);
    const [{ m }] = await t.app.dataSource.query(
      `SELECT count(*)::int AS m FROM ${t.table('audit_events')} WHERE user_id = $1 AND data->>'reason' = 'session_cap'`,
      [user.id],
    );
    expect(m).toBe(0);
  });
});

describe('MAX_SESSIONS_PER_USER=1, its own transaction failing after the one-statement sign-in committed', () => {
  let t: TestApp;
  let failing = false;
  // A fault in the cap's transaction: a session-ending hook that throws while `failing`.
  const fault: WardenModule = {
    name: 'session-cap-fault',
    build: () => ({
      instances: [],
      hooks: {
        onSessionsRevoked: [
          async () => {
            if (failing) throw new Error('injected fault in the session cap transaction');
          },
        ],
      },
    }),
    entities: [],
    resolvers: [],
  };
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { MAX_SESSIONS_PER_USER: '1' }, modules: [...wardenModules, fault] });
  });
  afterAll(() => t?.close());

  test('the sign-in answers its session (its code is spent), nothing half-written; the next sign-in enforces the cap', async () => {
    const email = uniqueEmail('capfault');
    const a = t.client();
    const { user } = await signUpAndVerify(t, a, email);
    clock.advance(5);
    const b = t.client();
    failing = true;
    try {
      await logIn(t, b, email);
    } finally {
      failing = false;
    }
    await expect(b.query(ViewerDocument)).resolves.toMatchObject({ viewer: { id: user.id } });
    // The rolled-back cap wrote nothing in PostgreSQL: both sessions live there. (Revocation marks the list first,
    // fail-closed, so a's current access token may already be refused; its refresh token is not.)
    const live = async () =>
      (
        (await t.app.dataSource.query(`SELECT id FROM ${t.table('sessions')} WHERE user_id = $1 AND revoked_at IS NULL`, [user.id])) as {
          id: string;
        }[]
      ).map((r) => r.id);
    expect(new Set(await live())).toEqual(new Set([sid(a), sid(b)]));
    clock.advance(5);
    const c = t.client();
    await logIn(t, c, email);
    expect(await live()).toEqual([sid(c)]);
    expect(await a.error(a.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
