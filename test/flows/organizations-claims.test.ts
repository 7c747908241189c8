import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, logIn, uniqueEmail } from '../support/flows';
import type { WardenClient } from '../support/graphql-client';
import { realRedis, realRedisAvailable } from '../support/attack';
import { AcceptInvitationDocument, CreateOrganizationDocument, InviteMemberDocument } from '../graphql/generated/graphql';
import { linkFrom } from '../support/smtp-inbox';
import { statementsDuring } from '../support/statements';

const doc = (text: TemplateStringsArray) => gql(text) as TypedDocumentNode<any, any>;
const SetActive = doc`
  mutation SetActive($organizationId: ID) {
    setActiveOrganization(organizationId: $organizationId) { accessToken refreshToken user { id activeOrganization { id } } }
  }
`;
const Refresh = doc`
  mutation Refresh { refreshSession { accessToken refreshToken } }
`;
const Viewer = doc`
  query Viewer { viewer { id activeOrganization { id name } sessions { current activeOrganization { id } } } }
`;
const RemoveMember = doc`
  mutation Remove($input: MemberRefInput!) { removeMember(input: $input) }
`;
const UpdateRole = doc`
  mutation Role($input: UpdateMemberRoleInput!) { updateMemberRole(input: $input) { role } }
`;
const DeleteOrg = doc`
  mutation Delete($id: ID!) { deleteOrganization(organizationId: $id) }
`;
const Leave = doc`
  mutation Leave($id: ID!) { leaveOrganization(organizationId: $id) }
`;
const Transfer = doc`
  mutation Transfer($input: MemberRefInput!) { transferOwnership(input: $input) { id } }
`;

const ViewerOrgs = doc`
  query ViewerOrgs { viewer { id organization { id name } activeOrganization { id name viewerPermissions } } }
`;
const RenameOrg = doc`
  mutation Rename($input: UpdateOrganizationInput!) { updateOrganization(input: $input) { id name } }
`;

const CreateRole = doc`
  mutation CreateRole($input: CreateRoleInput!) { createRole(input: $input) { key permissions } }
`;
const UpdateRoleDef = doc`
  mutation UpdateRoleDef($input: UpdateRoleInput!) { updateRole(input: $input) { key permissions } }
`;

const EXTRA = ['invoices:approve', 'invoices:read'];
const WARDEN = [
  'org:read',
  'org:update',
  'org:delete',
  'members:read',
  'members:invite',
  'members:remove',
  'members:update_role',
  'roles:manage',
  'api_keys:manage',
  'webhooks:manage',
  'events:read',
  'audit:read',
];
const OWNER_SCOPE = [...WARDEN, ...EXTRA].sort().join(' ');
const ADMIN_SCOPE = [...WARDEN, ...EXTRA]
  .filter((p) => p !== 'org:delete')
  .sort()
  .join(' ');
const MEMBER_SCOPE = 'members:read org:read';
const BASE_CLAIMS = ['aal', 'amr', 'aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'sid', 'sub'];

interface Person {
  client: WardenClient;
  userId: string;
  email: string;
}

function claims(token: string | null): Record<string, unknown> {
  return decodeJwt(token!) as Record<string, unknown>;
}

/** Exactly these organization claims (or none), and the usual ones. */
function expectOrgClaims(token: string | null, expected: { org_id: string; org_role: string; scope: string } | null): void {
  const c = claims(token);
  if (expected === null) {
    expect(Object.keys(c).sort()).toEqual(BASE_CLAIMS);
  } else {
    expect(Object.keys(c).sort()).toEqual([...BASE_CLAIMS, 'org_id', 'org_role', 'scope'].sort());
    expect({ org_id: c.org_id, org_role: c.org_role, scope: c.scope }).toEqual(expected);
  }
}

async function refusal(client: WardenClient): Promise<{ code: string; reason?: unknown }> {
  const info = await client.error(client.query(Viewer));
  return { code: info.code!, reason: info.extensions?.reason };
}

function setup(t: () => TestApp) {
  const person = async (label: string, app = t()): Promise<Person> => {
    const client = app.client();
    const email = uniqueEmail(label);
    const payload = await signUpAndVerify(app, client, email);
    return { client, userId: payload.user.id, email };
  };
  const sql = (text: string, params: unknown[] = []): Promise<any[]> => t().app.dataSource.query(text, params);
  let joined = 0;
  const addMember = async (organizationId: string, who: Person, role: string): Promise<void> => {
    await sql(
      `INSERT INTO ${t().table('memberships')} (id, organization_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))`,
      [randomUUID(), organizationId, who.userId, role, ++joined],
    );
  };
  const create = async (owner: Person, name: string) => (await owner.client.request(CreateOrganizationDocument, { input: { name } })).createOrganization;
  const activate = async (who: Person, organizationId: string | null) => {
    const { setActiveOrganization } = await who.client.request(SetActive, { organizationId });
    who.client.accessToken = setActiveOrganization.accessToken;
    return setActiveOrganization;
  };
  const refresh = async (who: Person) => {
    const { refreshSession } = await who.client.request(Refresh);
    who.client.accessToken = refreshSession.accessToken;
    return refreshSession;
  };
  return { person, sql, addMember, create, activate, refresh };
}

/** The active organization in the token and stale claims (issue #25) over HTTP, on real PostgreSQL and Redis. */
describe('organization claims', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ORG_EXTRA_PERMISSIONS: 'invoices:read,invoices:approve', RATE_LIMIT_SENDS_PER_HOUR: '100' } });
  });
  afterAll(async () => {
    await t?.close();
  });
  const { person, addMember, create, activate, refresh } = setup(() => t);

  test('a new session starts with the last active organization, else the earliest joined; setActiveOrganization keeps the sid', async () => {
    const owner = await person('owner');
    expectOrgClaims(owner.client.accessToken, null); // no membership yet
    const a = await create(owner, 'Alpha');
    const b = await create(owner, 'Beta');

    // The signup session had no organization; a new sign-in starts with the earliest joined.
    const signIn = async () => {
      const client = t.client();
      await logIn(t, client, owner.email);
      return client.accessToken;
    };
    expectOrgClaims(await signIn(), { org_id: a.id, org_role: 'owner', scope: OWNER_SCOPE });

    const sid = claims(owner.client.accessToken).sid;
    const cookieBefore = owner.client.cookies.get('warden_refresh');
    const answered = await activate(owner, b.id);
    expect(answered.user.activeOrganization).toEqual({ id: b.id });
    expectOrgClaims(answered.accessToken, { org_id: b.id, org_role: 'owner', scope: OWNER_SCOPE });
    expect(claims(answered.accessToken).sid).toBe(sid);
    expect(answered.refreshToken).not.toBe(cookieBefore);
    expect(owner.client.cookies.get('warden_refresh')).toBe(answered.refreshToken);
    const { viewer } = await owner.client.query(Viewer);
    expect(viewer.activeOrganization).toEqual({ id: b.id, name: 'Beta' });
    expect(viewer.sessions.find((s: any) => s.current).activeOrganization).toEqual({ id: b.id });

    // The last one made active wins at the next sign-in; a refresh keeps it.
    expectOrgClaims(await signIn(), { org_id: b.id, org_role: 'owner', scope: OWNER_SCOPE });
    expectOrgClaims((await refresh(owner)).accessToken, { org_id: b.id, org_role: 'owner', scope: OWNER_SCOPE });

    // null clears: no organization claims at all, never empty ones.
    const cleared = await activate(owner, null);
    expectOrgClaims(cleared.accessToken, null);
    expect(cleared.user.activeOrganization).toBeNull();
    expectOrgClaims((await refresh(owner)).accessToken, null);
  });

  test('viewer.activeOrganization and its viewerPermissions are answered from the token and the profile cache: no statement once cached', async () => {
    const owner = await person('owner');
    const org = await create(owner, 'Hot path');
    await activate(owner, org.id);
    const Active = doc`
      query ActiveOnly { viewer { id activeOrganization { id name viewerPermissions } } }
    `;
    const expected = { id: org.id, name: 'Hot path', viewerPermissions: OWNER_SCOPE.split(' ') };
    expect((await owner.client.query(Active)).viewer.activeOrganization).toEqual(expected); // fills the cache
    const { result, statements } = await statementsDuring(() => owner.client.query(Active));
    expect(result.viewer.activeOrganization).toEqual(expected);
    // Background work (the events relay) may query meanwhile: none of the request's tables is read.
    expect(statements.filter((q) => /"(sessions|memberships|organizations|organization_roles|users)"/.test(q))).toEqual([]);
  });

  test('a non-member is refused NOT_A_MEMBER: another organization, an unknown id and a malformed one alike', async () => {
    const owner = await person('owner');
    const stranger = await person('stranger');
    const org = await create(owner, 'Private');
    for (const id of [org.id, randomUUID(), 'not-an-id']) {
      const info = await stranger.client.error(stranger.client.request(SetActive, { organizationId: id }));
      expect([info.code, info.extensions?.reason]).toEqual(['FORBIDDEN', 'NOT_A_MEMBER']);
    }
    expectOrgClaims((await refresh(stranger)).accessToken, null);
    const anonymous = t.client();
    expect((await anonymous.error(anonymous.request(SetActive, { organizationId: org.id }))).code).toBe('UNAUTHENTICATED');
  });

  test("a removed member's token is refused CLAIMS_CHANGED; the session lives on and refresh answers no organization", async () => {
    const owner = await person('owner');
    const member = await person('member');
    const org = await create(owner, 'Removal');
    await addMember(org.id, member, 'member');
    const active = await activate(member, org.id);
    expectOrgClaims(active.accessToken, { org_id: org.id, org_role: 'member', scope: MEMBER_SCOPE });
    await member.client.query(Viewer);

    await owner.client.request(RemoveMember, { input: { organizationId: org.id, userId: member.userId } });
    expect(await refusal(member.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    // The owner's own token (another member, unchanged) still works.
    await owner.client.query(Viewer);

    const renewed = await refresh(member);
    expectOrgClaims(renewed.accessToken, null);
    expect(claims(renewed.accessToken).sid).toBe(claims(active.accessToken).sid);
    const { viewer } = await member.client.query(Viewer);
    expect(viewer.activeOrganization).toBeNull();
    expect(viewer.sessions.find((s: any) => s.current).activeOrganization).toBeNull();
  });

  test('a role change: the old token is refused, the refreshed one has the new role and scope', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const org = await create(owner, 'Roles');
    await addMember(org.id, member, 'member');
    const old = (await activate(member, org.id)).accessToken;

    await owner.client.request(UpdateRole, { input: { organizationId: org.id, userId: member.userId, role: 'admin' } });
    expect(await refusal(member.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    const renewed = await refresh(member);
    expectOrgClaims(renewed.accessToken, { org_id: org.id, org_role: 'admin', scope: ADMIN_SCOPE });
    await member.client.query(Viewer);
    member.client.accessToken = old;
    expect(await refusal(member.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
  });

  test('updateRole of a custom role’s permissions: its holders’ tokens are refused, refresh answers the new scope', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const org = await create(owner, 'Custom');
    await addMember(org.id, member, 'member');
    await owner.client.request(CreateRole, { input: { organizationId: org.id, key: 'billing', name: 'Billing', permissions: ['invoices:read'] } });
    await owner.client.request(UpdateRole, { input: { organizationId: org.id, userId: member.userId, role: 'billing' } });
    const first = await activate(member, org.id);
    expectOrgClaims(first.accessToken, { org_id: org.id, org_role: 'billing', scope: 'invoices:read org:read' });

    await owner.client.request(UpdateRoleDef, { input: { organizationId: org.id, key: 'billing', permissions: ['invoices:read', 'invoices:approve'] } });
    expect(await refusal(member.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    expectOrgClaims((await refresh(member)).accessToken, { org_id: org.id, org_role: 'billing', scope: 'invoices:approve invoices:read org:read' });
    await member.client.query(Viewer);
  });

  test('transferOwnership and leaveOrganization change both sides’ claims', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const org = await create(owner, 'Transfer');
    await addMember(org.id, member, 'member');
    await activate(owner, org.id);
    await activate(member, org.id);
    await owner.client.request(Transfer, { input: { organizationId: org.id, userId: member.userId } });
    expect(await refusal(owner.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    expect(await refusal(member.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    expectOrgClaims((await refresh(owner)).accessToken, { org_id: org.id, org_role: 'admin', scope: ADMIN_SCOPE });
    expectOrgClaims((await refresh(member)).accessToken, { org_id: org.id, org_role: 'owner', scope: OWNER_SCOPE });

    await owner.client.request(Leave, { id: org.id });
    expect(await refusal(owner.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    expectOrgClaims((await refresh(owner)).accessToken, null);
    await member.client.query(Viewer); // unchanged
  });

  test('a deleted organization: every member’s token for it is refused, refresh answers none; tokens for another organization live on', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const other = await person('other');
    const org = await create(owner, 'Doomed');
    const elsewhere = await create(other, 'Elsewhere');
    await addMember(org.id, member, 'member');
    await addMember(elsewhere.id, member, 'member');
    await activate(owner, org.id);
    await activate(member, org.id);
    await activate(other, elsewhere.id);

    await owner.client.request(DeleteOrg, { id: org.id });
    expect(await refusal(owner.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    expect(await refusal(member.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    await other.client.query(Viewer);
    expectOrgClaims((await refresh(owner)).accessToken, null);
    expectOrgClaims((await refresh(member)).accessToken, null);
    // The member's next sign-in starts with the organization still held.
    const client = t.client();
    await logIn(t, client, member.email);
    expectOrgClaims(client.accessToken, { org_id: elsewhere.id, org_role: 'member', scope: MEMBER_SCOPE });
  });
});

const describeShared = realRedisAvailable ? describe : describe.skip;

describeShared('organization claims on two gateway instances (one PostgreSQL, one Redis)', () => {
  let redis: { url: string; stop(): Promise<void> };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    redis = (await realRedis())!;
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `claims:${process.pid}:${Date.now()}:`, RATE_LIMIT_SENDS_PER_HOUR: '100' };
    a = await startTestApp({ env });
    b = await startTestApp({ env, shareWith: a });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });
  const { person, addMember, create, activate } = setup(() => a);

  test('a membership change on A shows on B within a second: the removed member’s token is refused there', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const org = await create(owner, 'Two instances');
    await addMember(org.id, member, 'member');
    const token = (await activate(member, org.id)).accessToken;
    const onB = b.client();
    onB.accessToken = token;
    await onB.query(Viewer); // verified and remembered on B

    const changedAt = Date.now();
    await owner.client.request(RemoveMember, { input: { organizationId: org.id, userId: member.userId } });
    let seen: { code: string; reason?: unknown } | null = null;
    while (Date.now() - changedAt < 1000) {
      try {
        await onB.query(Viewer);
      } catch (error: any) {
        seen = { code: error.info.code, reason: error.info.extensions?.reason };
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
    expect(Date.now() - changedAt).toBeLessThan(1000);
    expect(await refusal(member.client)).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });
  });
  /** Polls `check` on B every 20 ms for at most a second; answers what it returned last (null: still not). */
  const withinASecond = async <T>(check: () => Promise<T | null>): Promise<T | null> => {
    const startedAt = Date.now();
    let seen: T | null = null;
    while (seen === null && Date.now() - startedAt < 1000) {
      seen = await check();
      if (seen === null) await new Promise((r) => setTimeout(r, 20));
    }
    return seen;
  };

  test('a role change on A: B refuses the old token CLAIMS_CHANGED within a second, and after a refresh there B answers the new role; a rename on A shows on B', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const org = await create(owner, 'Cached on B');
    // Joined the real way (the users row's earliest organization, User.organization, follows).
    const before = a.inbox.mailsTo(member.email).length;
    await owner.client.request(InviteMemberDocument, { input: { organizationId: org.id, email: member.email, role: 'member' } });
    await a.inbox.waitForMail(member.email, before + 1);
    const token = linkFrom(a.inbox.mailsTo(member.email)[before]!).searchParams.get('token')!;
    const { acceptInvitation } = await member.client.request(AcceptInvitationDocument, { input: { token } });
    member.client.accessToken = acceptInvitation.accessToken;
    const onB = b.client();
    onB.accessToken = member.client.accessToken;
    onB.cookies.set('warden_refresh', member.client.cookies.get('warden_refresh')!);
    // Read twice on B: the second answer comes from B's profile cache (filled by the first).
    for (let i = 0; i < 2; i++) {
      expect((await onB.query(ViewerOrgs)).viewer).toEqual({
        id: member.userId,
        organization: { id: org.id, name: 'Cached on B' },
        activeOrganization: { id: org.id, name: 'Cached on B', viewerPermissions: MEMBER_SCOPE.split(' ') },
      });
    }

    await owner.client.request(UpdateRole, { input: { organizationId: org.id, userId: member.userId, role: 'admin' } });
    const refused = await withinASecond(async () => {
      try {
        await onB.query(ViewerOrgs);
        return null;
      } catch (error: any) {
        return { code: error.info.code, reason: error.info.extensions?.reason };
      }
    });
    expect(refused).toEqual({ code: 'UNAUTHENTICATED', reason: 'CLAIMS_CHANGED' });

    // The client refreshes once (on B) and retries: the new claims, and B's answers follow them.
    const { refreshSession } = await onB.request(Refresh);
    onB.accessToken = refreshSession.accessToken;
    expectOrgClaims(refreshSession.accessToken, {
      org_id: org.id,
      org_role: 'admin',
      scope: ADMIN_SCOPE.split(' ')
        .filter((p) => !p.startsWith('invoices:'))
        .join(' '),
    });
    expect((await onB.query(ViewerOrgs)).viewer.activeOrganization.viewerPermissions).toEqual(ADMIN_SCOPE.split(' ').filter((p) => !p.startsWith('invoices:')));

    // A rename on A is no claim (the token stays good) but B's cached organization is dropped: within a second B
    // answers the new name, for the active organization and the (deprecated) User.organization alike.
    await owner.client.request(RenameOrg, { input: { organizationId: org.id, name: 'Renamed on A' } });
    const renamed = await withinASecond(async () => {
      const { viewer } = await onB.query(ViewerOrgs);
      return viewer.activeOrganization.name === 'Renamed on A' && viewer.organization.name === 'Renamed on A' ? viewer : null;
    });
    expect(renamed).toMatchObject({ organization: { name: 'Renamed on A' }, activeOrganization: { id: org.id, name: 'Renamed on A' } });
  });
});
