import { decodeJwt } from 'jose';
import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { PASSWORD, signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { jwtClaims, raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { WardenClient } from '../support/graphql-client';
import {
  CreateOrganizationDocument,
  LoginDocument,
  LogoutDocument,
  RefreshSessionDocument,
  VerifyOtpDocument,
  ViewerDocument,
} from '../graphql/generated/graphql';
import { codeAt } from '../support/totp-ref';

jest.setTimeout(180_000);

const doc = (text: TemplateStringsArray) => gql(text) as TypedDocumentNode<any, any>;
const Start = doc`
  mutation Start($input: StartImpersonationInput!) {
    startImpersonation(input: $input) { accessToken accessTokenExpiresAt sessionId user { id email } }
  }
`;
const Stop = doc`
  mutation Stop { stopImpersonation }
`;
const Me = doc`
  query Me { viewer { id name impersonator { id email } sessions { id current impersonated } securityEvents(first: 50) { nodes { type } } } }
`;
const UpdateName = doc`
  mutation UpdateName($input: UpdateProfileInput!) { updateProfile(input: $input) { id name } }
`;
const Ban = doc`
  mutation Ban($input: BanUserInput!) { banUser(input: $input) { id } }
`;
const RevokeSession = doc`
  mutation RevokeSession($id: ID!) { revokeSession(id: $id) }
`;

/** Each mutation the contract refuses inside an impersonation session, with variables that would otherwise reach it. */
const REFUSED: [string, TypedDocumentNode<any, any>, Record<string, unknown>][] = [
  [
    'changePassword',
    doc`mutation A($input: ChangePasswordInput!) { changePassword(input: $input) { accessToken } }`,
    { input: { currentPassword: PASSWORD, newPassword: 'another long passphrase 42' } },
  ],
  [
    'requestEmailChange',
    doc`mutation B($input: RequestEmailChangeInput!) { requestEmailChange(input: $input) { challengeId } }`,
    { input: { newEmail: 'elsewhere@example.com' } },
  ],
  ['startTotpEnrollment', doc`mutation C { startTotpEnrollment { factorId } }`, {}],
  ['startPasskeyRegistration', doc`mutation D { startPasskeyRegistration { challengeId } }`, {}],
  ['deleteAccount', doc`mutation E { deleteAccount { scheduledAt } }`, {}],
  ['exportAccountData', doc`mutation F { exportAccountData }`, {}],
  ['requestReauthentication', doc`mutation G { requestReauthentication { challengeId } }`, {}],
  ['logoutAll', doc`mutation H { logoutAll }`, {}],
  ['setActiveOrganization', doc`mutation I($id: ID) { setActiveOrganization(organizationId: $id) { accessToken } }`, { id: null }],
  ['leaveOrganization', doc`mutation J($id: ID!) { leaveOrganization(organizationId: $id) }`, { id: '00000000-0000-4000-8000-000000000000' }],
  ['acceptInvitation', doc`mutation K($input: InvitationRefInput!) { acceptInvitation(input: $input) { accessToken } }`, { input: { token: 'x'.repeat(40) } }],
  ['declineInvitation', doc`mutation L($input: InvitationRefInput!) { declineInvitation(input: $input) { ok } }`, { input: { token: 'x'.repeat(40) } }],
  ['unlinkIdentity', doc`mutation M($id: ID!) { unlinkIdentity(id: $id) { id } }`, { id: '00000000-0000-4000-8000-000000000000' }],
  [
    'banUser',
    doc`mutation N($input: BanUserInput!) { banUser(input: $input) { id } }`,
    { input: { userId: '00000000-0000-4000-8000-000000000000', reason: 'x' } },
  ],
  ['startImpersonation', Start, { input: { userId: '00000000-0000-4000-8000-000000000000', reason: 'x' } }],
  // Refused before the gate: neither NOT_ADMIN (a global endpoint) nor NOT_A_MEMBER (an unknown id).
  [
    'createWebhookEndpoint',
    doc`mutation O($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret } }`,
    { input: { url: 'https://hooks.example.com/warden' } },
  ],
  ['rotateWebhookSecret', doc`mutation P($id: ID!) { rotateWebhookSecret(id: $id) { secret } }`, { id: '00000000-0000-4000-8000-000000000000' }],
];

const clock = new TestClock();
const stamp = Date.now().toString(36);
const ADMIN = `imp.${stamp}@example.com`;
const OTHER_ADMIN = `imp2.${stamp}@example.com`;
const TTL = 120;

describe('impersonation: startImpersonation / stopImpersonation', () => {
  let t: TestApp;
  let admin: TwoFactorUser;
  beforeAll(async () => {
    t = await startTestApp({
      overrides: { now: clock.now },
      env: { ADMIN_EMAILS: `${ADMIN},${OTHER_ADMIN}`, IMPERSONATION_TTL_SECONDS: String(TTL), REAUTH_MAX_AGE_SECONDS: '300' },
    });
    admin = await userWithAuthenticator(t, clock, ADMIN);
  });
  afterAll(() => t?.close());

  async function target(label: string): Promise<{ client: WardenClient; email: string; userId: string }> {
    const client = t.client();
    const email = uniqueEmail(label);
    const payload = await signUpAndVerify(t, client, email);
    return { client, email, userId: payload.user.id };
  }

  /** Starts an impersonation of `userId` as the admin; a client holding its token. */
  async function impersonate(userId: string, reason = 'ticket 42'): Promise<{ client: WardenClient; sessionId: string; token: string; expiresAt: string }> {
    await raiseToAal2(clock, admin);
    const { startImpersonation } = await admin.client.request(Start, { input: { userId, reason } });
    const client = t.client();
    client.accessToken = startImpersonation.accessToken;
    return { client, sessionId: startImpersonation.sessionId, token: startImpersonation.accessToken, expiresAt: startImpersonation.accessTokenExpiresAt };
  }

  const auditRows = (event: string, userId: string) =>
    t.app.dataSource.query(`SELECT user_id, actor_id, data FROM ${t.table('audit_events')} WHERE event = $1 AND user_id = $2 ORDER BY created_at`, [
      event,
      userId,
    ]) as Promise<{ user_id: string; actor_id: string | null; data: Record<string, unknown> }[]>;

  test('the token: sub the target, act.sub the admin, amr imp, aal1, exp at the start + TTL, no refresh token, the admin cookie untouched', async () => {
    const user = await target('claims');
    await raiseToAal2(clock, admin);
    const cookieBefore = admin.client.cookies.get('warden_refresh');
    const startedAt = Math.floor(clock.now().getTime() / 1000);
    const { startImpersonation: started } = await admin.client.request(Start, { input: { userId: user.userId, reason: 'support ticket' } });
    expect(admin.client.cookies.get('warden_refresh')).toBe(cookieBefore);
    const claims = jwtClaims(started.accessToken);
    expect(claims).toMatchObject({ sub: user.userId, sid: started.sessionId, act: { sub: admin.userId }, amr: ['imp'], aal: 'aal1' });
    expect(claims.scope).toBeUndefined();
    expect(Math.abs((claims.exp as number) - (startedAt + TTL))).toBeLessThanOrEqual(1);
    // The user's email is a viewer-only field: the admin's request does not see it.
    expect(started.user).toEqual({ id: user.userId, email: null });
    // It is the target's, and says so.
    const imp = t.client();
    imp.accessToken = started.accessToken;
    const { viewer } = await imp.query(Me);
    expect(viewer).toMatchObject({ id: user.userId, impersonator: { id: admin.userId, email: ADMIN } });
    // No refresh token to mint anything with: refreshSession has nothing to rotate.
    expect((await imp.error(imp.request(RefreshSessionDocument, {}))).code).toBe('INVALID_TOKEN');
  });

  test('visible to the target: in their sessions (impersonated), their securityEvents, and a mail; the target can end it', async () => {
    const user = await target('visible');
    const before = t.inbox.mailsTo(user.email).length;
    const imp = await impersonate(user.userId);
    const mail = await t.inbox.waitForMail(user.email, before + 1);
    expect(mail.subject).toMatch(/administrator/);
    expect(mail.text).not.toContain('ticket 42');
    const { viewer } = await user.client.query(Me);
    expect(viewer.impersonator).toBeNull();
    expect(viewer.sessions).toEqual(expect.arrayContaining([{ id: imp.sessionId, current: false, impersonated: true }]));
    expect(viewer.securityEvents.nodes.map((n: { type: string }) => n.type)).toContain('impersonation.started');
    // Audited on both users, the admin as actor, with the reason.
    expect(await auditRows('impersonation.started', user.userId)).toEqual([
      expect.objectContaining({ actor_id: admin.userId, data: expect.objectContaining({ reason: 'ticket 42' }) }),
    ]);
    expect((await auditRows('impersonation.started', admin.userId)).some((r) => r.data.targetUserId === user.userId)).toBe(true);
    // The target revokes it: the token dies.
    await expect(user.client.request(RevokeSession, { id: imp.sessionId })).resolves.toEqual({ revokeSession: true });
    expect(await imp.client.error(imp.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('impersonation cannot change the password, email or factors, mint tokens, nor use admin fields: each FORBIDDEN IMPERSONATION', async () => {
    const user = await target('refused');
    await user.client.request(CreateOrganizationDocument, { input: { name: `Imp ${stamp}` } });
    const imp = await impersonate(user.userId);
    for (const [field, document, variables] of REFUSED) {
      const error = await imp.client.error(imp.client.request(document, variables));
      expect({ field, code: error.code, reason: error.extensions.reason }).toEqual({ field, code: 'FORBIDDEN', reason: 'IMPERSONATION' });
    }
    const adminRead = await imp.client.error(imp.client.query(doc`query { adminUsers { nodes { id } } }`));
    expect(adminRead).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'IMPERSONATION' } });
    // Nothing changed: the password still signs in, the session count is as before.
    expect(await t.app.dataSource.query(`SELECT count(*)::int AS n FROM ${t.table('mfa_factors')} WHERE user_id = $1`, [user.userId])).toEqual([{ n: 0 }]);
  });

  test('every row written during the session names the admin (actor_id); ordinary edits work', async () => {
    const user = await target('actor');
    const imp = await impersonate(user.userId);
    await expect(imp.client.request(UpdateName, { input: { name: 'Set by support' } })).resolves.toMatchObject({ updateProfile: { name: 'Set by support' } });
    const [row] = await auditRows('user.profile_updated', user.userId);
    expect(row).toMatchObject({ actor_id: admin.userId });
    // The user's own edit has no actor.
    await user.client.request(UpdateName, { input: { name: 'Mine' } });
    expect((await auditRows('user.profile_updated', user.userId)).at(-1)).toMatchObject({ actor_id: null });
  });

  test('stopImpersonation ends it (audited on both); the token does not outlive it; a normal token gets false', async () => {
    const user = await target('stop');
    const imp = await impersonate(user.userId);
    await expect(imp.client.request(Stop)).resolves.toEqual({ stopImpersonation: true });
    expect(await imp.client.error(imp.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await auditRows('impersonation.ended', user.userId)).toEqual([expect.objectContaining({ actor_id: admin.userId })]);
    expect((await auditRows('impersonation.ended', admin.userId)).some((r) => r.data.targetUserId === user.userId)).toBe(true);
    await expect(user.client.request(Stop)).resolves.toEqual({ stopImpersonation: false });
  });

  /** The admin on another device: password + authenticator, an aal2 session of its own. */
  async function adminDevice(): Promise<WardenClient> {
    const client = t.client();
    const { login } = await client.request(LoginDocument, { input: { email: ADMIN, password: PASSWORD } });
    clock.advance(30);
    const { verifyOtp } = await client.request(VerifyOtpDocument, { input: { challengeId: login.challengeId, code: codeAt(admin.secret, clock.now()) } });
    client.accessToken = verifyOtp.accessToken;
    expect(jwtClaims(verifyOtp.accessToken).aal).toBe('aal2');
    return client;
  }

  test("the token does not outlive the admin's starting session", async () => {
    const device = await adminDevice();
    const user = await target('outlive');
    const { startImpersonation } = await device.request(Start, { input: { userId: user.userId, reason: 'from a second device' } });
    const imp = t.client();
    imp.accessToken = startImpersonation.accessToken;
    await expect(imp.query(ViewerDocument)).resolves.toBeTruthy();
    await device.request(LogoutDocument);
    expect(await imp.error(imp.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    const [revoked] = (await auditRows('session.revoked', user.userId)).filter((r) => r.data.reason === 'impersonator_session_ended');
    expect(revoked!.data.sessionIds).toEqual([startImpersonation.sessionId]);
  });

  test("the token does not outlive the admin's starting session past its expiry either (review finding)", async () => {
    const device = await adminDevice();
    const user = await target('outlive-expiry');
    const { startImpersonation } = await device.request(Start, { input: { userId: user.userId, reason: 'expiry' } });
    const imp = t.client();
    imp.accessToken = startImpersonation.accessToken;
    await expect(imp.query(ViewerDocument)).resolves.toBeTruthy();
    const { sid } = decodeJwt(device.accessToken!) as { sid: string };
    await t.app.dataSource.query(`UPDATE ${t.table('sessions')} SET expires_at = now() - interval '1 second' WHERE id = $1`, [sid]);
    expect(await imp.error(imp.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('a revoked impersonation session stays refused after the revocation list forgets it (review finding)', async () => {
    const user = await target('forgotten');
    const imp = await impersonate(user.userId);
    await expect(imp.client.query(ViewerDocument)).resolves.toBeTruthy();
    // The list keeps an entry for the access-token lifetime; an impersonation token may outlive that
    // (IMPERSONATION_TTL_SECONDS > ACCESS_TOKEN_TTL_SECONDS). Revoked in the row only, as after the list forgot it.
    await t.app.dataSource.query(`UPDATE ${t.table('sessions')} SET revoked_at = now() WHERE id = $1`, [imp.sessionId]);
    expect(await imp.client.error(imp.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('the token dies when the admin loses their rights, and at its TTL', async () => {
    const user = await target('rights');
    const imp = await impersonate(user.userId);
    await expect(imp.client.query(ViewerDocument)).resolves.toBeTruthy();
    await t.app.dataSource.query(`UPDATE ${t.table('users')} SET email_verified = false WHERE id = $1`, [admin.userId]);
    try {
      expect(await imp.client.error(imp.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      await t.app.dataSource.query(`UPDATE ${t.table('users')} SET email_verified = true WHERE id = $1`, [admin.userId]);
    }
    const later = await impersonate((await target('ttl')).userId);
    await expect(later.client.query(ViewerDocument)).resolves.toBeTruthy();
    clock.advance(TTL + 1);
    expect(await later.client.error(later.client.query(ViewerDocument))).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('refused targets: an admin (TARGET_IS_ADMIN), the caller (BAD_USER_INPUT), a banned user (ACCOUNT_BANNED)', async () => {
    const otherAdmin = t.client();
    const other = await signUpAndVerify(t, otherAdmin, OTHER_ADMIN);
    await raiseToAal2(clock, admin);
    expect(await admin.client.error(admin.client.request(Start, { input: { userId: other.user.id, reason: 'x' } }))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'TARGET_IS_ADMIN' },
    });
    const self = await admin.client.error(admin.client.request(Start, { input: { userId: admin.userId, reason: 'x' } }));
    expect(self).toMatchObject({ code: 'BAD_USER_INPUT', extensions: { field: 'userId' } });
    const banned = await target('banned');
    await admin.client.request(Ban, { input: { userId: banned.userId, reason: 'x' } });
    expect(await admin.client.error(admin.client.request(Start, { input: { userId: banned.userId, reason: 'x' } }))).toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'ACCOUNT_BANNED' },
    });
  });
});
