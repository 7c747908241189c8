import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, TestClock, uniqueEmail } from '../support/flows';
import { jwtClaims, raiseToAal2, userWithAuthenticator, type TwoFactorUser } from '../support/admins';
import { CreateOrganizationDocument, RefreshSessionDocument } from '../graphql/generated/graphql';
import { Admins } from '../../src/modules/admin/admins';
import { loadConfig, startupWarnings } from '../../src/config/config';
import type { Viewer } from '../../src/modules/sessions/session-types';

jest.setTimeout(120_000);

const clock = new TestClock();
const SetActive = gql`
  mutation SetActive($organizationId: ID) {
    setActiveOrganization(organizationId: $organizationId) {
      accessToken
    }
  }
` as TypedDocumentNode<{ setActiveOrganization: { accessToken: string } }, { organizationId: string | null }>;
const stamp = Date.now().toString(36);
const ADMIN = `boss.${stamp}@example.com`;
const REAUTH = 300;

/**
 * Step 1 of administration (issue #26): who is an admin (ADMIN_EMAILS, verified email, normalised), the warden:admin
 * scope of their aal2 tokens, and the gate every admin field goes through (Admins.requireAdmin), against real
 * PostgreSQL, Redis and SMTP with sessions signed in over HTTP.
 */
describe('admin guard: ADMIN_EMAILS, the warden:admin scope, requireAdmin', () => {
  let t: TestApp;
  let admins: Admins;
  let admin: TwoFactorUser;
  beforeAll(async () => {
    // Listed with other case and blanks: the same normalisation as every email.
    t = await startTestApp({
      overrides: { now: clock.now },
      env: { ADMIN_EMAILS: ` ${ADMIN.toUpperCase()} , someone.else.${stamp}@example.com`, REAUTH_MAX_AGE_SECONDS: String(REAUTH) },
    });
    admins = new Admins({ dataSource: t.app.dataSource, emails: t.app.config.settings.adminEmails, reauthMaxAgeSeconds: REAUTH, now: clock.now });
    admin = await userWithAuthenticator(t, clock, ADMIN);
  });
  afterAll(() => t?.close());

  /** The request as the GraphQL context gives it: the bearer's session (sub, sid), or UNAUTHENTICATED. */
  const requestOf = (token: string | null, impersonatorId?: string) => ({
    requireViewer: async (): Promise<Viewer> => {
      if (!token) throw Object.assign(new Error('UNAUTHENTICATED'), { code: 'UNAUTHENTICATED' });
      const c = jwtClaims(token);
      return { userId: c.sub as string, sessionId: c.sid as string, ...(impersonatorId ? { impersonatorId } : {}) };
    },
  });

  test('ADMIN_EMAILS: an entry that is not an address is refused at start; production warns when it is empty', () => {
    const base = { NODE_ENV: 'test', PUBLIC_URL: 'http://warden.test', APP_URL: 'http://app.test' };
    expect(() => loadConfig({ ...base, ADMIN_EMAILS: 'ops@example.com,not-an-email' })).toThrow(/ADMIN_EMAILS: "not-an-email" is not an email address/);
    expect(() => loadConfig({ ...base, ADMIN_EMAILS: 'ops@example.com,,x@example.com' })).toThrow(/ADMIN_EMAILS: an empty entry/);
    expect([...loadConfig({ ...base, ADMIN_EMAILS: ' Ops@Example.COM ' }).settings.adminEmails]).toEqual(['ops@example.com']);
    const empty = { ...t.app.config, isProduction: true, settings: { ...t.app.config.settings, adminEmails: new Set<string>() } };
    expect(startupWarnings(empty).filter((l) => l.startsWith('ADMIN_EMAILS'))).toHaveLength(1);
    const listed = { ...empty, settings: { ...empty.settings, adminEmails: new Set(['ops@example.com']) } };
    expect(startupWarnings(listed).filter((l) => l.startsWith('ADMIN_EMAILS'))).toHaveLength(0);
  });

  test("an admin's aal1 tokens carry no warden:admin; aal2 tokens do, from sign-in, refresh and with an active organization", async () => {
    const aal1 = jwtClaims(admin.client.accessToken);
    expect(aal1.aal).toBe('aal1');
    expect(aal1.scope).toBeUndefined();

    const raised = jwtClaims(await raiseToAal2(clock, admin));
    expect(raised).toMatchObject({ aal: 'aal2', scope: 'warden:admin' });
    expect(raised.org_id).toBeUndefined();

    // The refresh's one-statement path reads the email from its own row.
    const { refreshSession } = await admin.client.request(RefreshSessionDocument, {});
    admin.client.accessToken = refreshSession.accessToken;
    expect(jwtClaims(refreshSession.accessToken)).toMatchObject({ aal: 'aal2', scope: 'warden:admin' });

    // With an active organization, scope is the union (sorted) and the organization's claims stay as they were.
    const { createOrganization } = await admin.client.request(CreateOrganizationDocument, { input: { name: `Admin org ${stamp}` } });
    const { setActiveOrganization: active } = await admin.client.request(SetActive, { organizationId: createOrganization.id });
    expect(jwtClaims(active.accessToken as string).scope).toMatch(/(^| )warden:admin( |$)/);
    const { refreshSession: again } = await admin.client.request(RefreshSessionDocument, {});
    admin.client.accessToken = again.accessToken;
    const withOrg = jwtClaims(again.accessToken);
    expect(withOrg.org_role).toBe('owner');
    const scope = (withOrg.scope as string).split(' ');
    expect(scope).toContain('warden:admin');
    expect(scope).toContain('org:delete');
    expect(scope).toEqual([...scope].sort());
    // The token still authenticates (the organization's stale-claims check ignores the platform scope).
    await expect(admins.requireAdmin(requestOf(again.accessToken))).resolves.toMatchObject({ userId: admin.userId, email: ADMIN });
  });

  test('a user who is not listed never gets warden:admin, even at aal2', async () => {
    const other = await userWithAuthenticator(t, clock, uniqueEmail('plain'));
    const claims = jwtClaims(await raiseToAal2(clock, other));
    expect(claims.aal).toBe('aal2');
    expect(claims.scope).toBeUndefined();
  });

  test('requireAdmin: UNAUTHENTICATED without a bearer; FORBIDDEN NOT_ADMIN for anyone else, whatever their session', async () => {
    await expect(admins.requireAdmin(requestOf(null))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // aal1 and aal2 non-admins get the same answer: nothing says whether raising the session would help.
    const plain = t.client();
    await signUpAndVerify(t, plain, uniqueEmail('nobody'));
    const strong = await userWithAuthenticator(t, clock, uniqueEmail('strong'));
    await raiseToAal2(clock, strong);
    for (const token of [plain.accessToken, strong.client.accessToken]) {
      const error = await admins.requireAdmin(requestOf(token), { mutation: true }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_ADMIN' } });
      expect(JSON.stringify(error)).not.toMatch(/ADMIN_EMAILS|aal|@/);
      expect((error as Error).message).toBe('This needs a platform admin.');
    }
  });

  test('requireAdmin: an admin on an aal1 session needs aal2; a mutation also needs recent authentication; reads do not', async () => {
    // The other listed address, signed up with a password and an emailed code: an admin on an aal1 session.
    const boss = t.client();
    await signUpAndVerify(t, boss, `someone.else.${stamp}@example.com`);
    expect(jwtClaims(boss.accessToken).scope).toBeUndefined();
    await expect(admins.requireAdmin(requestOf(boss.accessToken))).rejects.toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
      extensions: { requiredAal: 'aal2' },
    });

    const token = await raiseToAal2(clock, admin);
    await expect(admins.requireAdmin(requestOf(token), { mutation: true })).resolves.toMatchObject({ userId: admin.userId });
    clock.advance(REAUTH + 1);
    await expect(admins.requireAdmin(requestOf(token), { mutation: true })).rejects.toMatchObject({
      code: 'REAUTHENTICATION_REQUIRED',
      extensions: { maxAgeSeconds: REAUTH },
    });
    await expect(admins.requireAdmin(requestOf(token))).resolves.toMatchObject({ userId: admin.userId });
  });

  test('requireAdmin: an impersonation session is FORBIDDEN IMPERSONATION, even naming an admin', async () => {
    const token = await raiseToAal2(clock, admin);
    await expect(admins.requireAdmin(requestOf(token, admin.userId))).rejects.toMatchObject({
      code: 'FORBIDDEN',
      extensions: { reason: 'IMPERSONATION' },
    });
  });

  test('rights follow the row: an admin whose email is no longer verified is NOT_ADMIN at once', async () => {
    const token = await raiseToAal2(clock, admin);
    await t.app.dataSource.query(`UPDATE ${t.table('users')} SET email_verified = false WHERE id = $1`, [admin.userId]);
    try {
      await expect(admins.requireAdmin(requestOf(token))).rejects.toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'NOT_ADMIN' } });
    } finally {
      await t.app.dataSource.query(`UPDATE ${t.table('users')} SET email_verified = true WHERE id = $1`, [admin.userId]);
    }
    await expect(admins.requireAdmin(requestOf(token))).resolves.toMatchObject({ userId: admin.userId });
  });
});
