import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { WardenClient } from '../support/graphql-client';
import { LoginDocument, LogoutDocument, VerifyOtpDocument, ViewerDocument } from '../graphql/generated/graphql';
import { codeAt } from '../support/totp-ref';

jest.setTimeout(180_000);

const doc = (text: TemplateStringsArray) => gql(text) as TypedDocumentNode<any, any>;
const Start = doc`
  mutation Start($input: StartImpersonationInput!) { startImpersonation(input: $input) { accessToken sessionId } }
`;
const Stop = doc`
  mutation Stop { stopImpersonation }
`;
const RevokeSession = doc`
  mutation RevokeSession($id: ID!) { revokeSession(id: $id) }
`;
const RevokeAll = doc`
  mutation RevokeAll($userId: ID!) { adminRevokeSessions(userId: $userId) }
`;

const clock = new TestClock();
const ADMIN = `impend.${Date.now().toString(36)}@example.com`;

describe('impersonation.ended is written on both users by every path that ends the session', () => {
  let t: TestApp;
  let admin: TwoFactorUser;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { now: clock.now }, env: { ADMIN_EMAILS: ADMIN, REAUTH_MAX_AGE_SECONDS: '300' } });
    admin = await userWithAuthenticator(t, clock, ADMIN);
  });
  afterAll(() => t?.close());

  const ended = (userId: string) =>
    t.app.dataSource.query(`SELECT actor_id, data FROM ${t.table('audit_events')} WHERE event = 'impersonation.ended' AND user_id = $1 ORDER BY created_at`, [
      userId,
    ]) as Promise<{ actor_id: string | null; data: Record<string, unknown> }[]>;

  /** A fresh target, and an impersonation of it started from `from` (the admin's client, aal2). */
  async function impersonation(from: WardenClient = admin.client): Promise<{ target: WardenClient; targetId: string; imp: WardenClient; sessionId: string }> {
    const target = t.client();
    const { user } = await signUpAndVerify(t, target, uniqueEmail('impend'));
    if (from === admin.client) await raiseToAal2(clock, admin);
    const { startImpersonation } = await from.request(Start, { input: { userId: user.id, reason: 'ticket 9' } });
    const imp = t.client();
    imp.accessToken = startImpersonation.accessToken;
    return { target, targetId: user.id, imp, sessionId: startImpersonation.sessionId };
  }

  async function expectEndedOnBoth(targetId: string, sessionId: string, reason: string, actorId: string | null): Promise<void> {
    expect(await ended(targetId)).toEqual([{ actor_id: actorId, data: { sessionId, reason } }]);
    const adminRows = (await ended(admin.userId)).filter((r) => r.data.sessionId === sessionId);
    expect(adminRows).toEqual([{ actor_id: actorId, data: { sessionId, reason, targetUserId: targetId } }]);
  }

  test('stopImpersonation: one row on each, the admin as actor', async () => {
    const s = await impersonation();
    await expect(s.imp.request(Stop)).resolves.toEqual({ stopImpersonation: true });
    await expectEndedOnBoth(s.targetId, s.sessionId, 'impersonation_stopped', admin.userId);
  });

  test('logout with the impersonation token', async () => {
    const s = await impersonation();
    await expect(s.imp.request(LogoutDocument)).resolves.toEqual({ logout: true });
    expect(await s.imp.error(s.imp.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    await expectEndedOnBoth(s.targetId, s.sessionId, 'logout', admin.userId);
  });

  test('the target revokes it', async () => {
    const s = await impersonation();
    await expect(s.target.request(RevokeSession, { id: s.sessionId })).resolves.toEqual({ revokeSession: true });
    await expectEndedOnBoth(s.targetId, s.sessionId, 'revoked_by_user', null);
  });

  test('adminRevokeSessions of the target', async () => {
    const s = await impersonation();
    await raiseToAal2(clock, admin);
    await admin.client.request(RevokeAll, { userId: s.targetId });
    const [row] = await ended(s.targetId);
    expect(row?.data).toMatchObject({ sessionId: s.sessionId });
    expect((await ended(admin.userId)).filter((r) => r.data.sessionId === s.sessionId)).toHaveLength(1);
  });

  test("the admin's starting session ends (logout on that device)", async () => {
    const device = t.client();
    const { login } = await device.request(LoginDocument, { input: { email: ADMIN, password: PASSWORD } });
    clock.advance(30);
    const { verifyOtp } = await device.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: codeAt(admin.secret, clock.now()) } });
    device.accessToken = verifyOtp.accessToken;
    const s = await impersonation(device);
    await device.request(LogoutDocument);
    expect(await s.imp.error(s.imp.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    await expectEndedOnBoth(s.targetId, s.sessionId, 'impersonator_session_ended', admin.userId);
  });
});
