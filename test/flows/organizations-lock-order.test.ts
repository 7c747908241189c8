import { gql } from 'graphql-tag';
import type { TypedDocumentNode } from '@urql/core';
import { startTestApp, type TestApp } from '../support/start-test-app';
import { signUpAndVerify, uniqueEmail } from '../support/flows';
import { linkFrom } from '../support/smtp-inbox';
import type { WardenClient } from '../support/graphql-client';
import {
  AcceptInvitationDocument,
  CreateOrganizationDocument,
  DeleteOrganizationDocument,
  InviteMemberDocument,
  RemoveMemberDocument,
  ResendInvitationDocument,
  UpdateMemberRoleDocument,
} from '../graphql/generated/graphql';

const SetActive = gql`
  mutation SetActive($organizationId: ID) {
    setActiveOrganization(organizationId: $organizationId) {
      accessToken
    }
  }
` as TypedDocumentNode<{ setActiveOrganization: { accessToken: string } }, { organizationId: string | null }>;

const embedded = !!process.env.WARDEN_TEST_EMBEDDED_PG;
/** Held-lock races need concurrent PostgreSQL connections (embedded PGlite serves one at a time). */
const raceTest = embedded ? test.skip : test;
const ROUNDS = 8;

/**
 * One lock order for an organization and its rows (review finding): every organization mutation locks the
 * organization row, then its memberships and invitations. setActiveOrganization and acceptInvitation took the
 * membership or invitation row first and the organization's (through a foreign key) after it, so racing an
 * admin's change they deadlocked and one side answered INTERNAL_SERVER_ERROR.
 */
describe('organizations: lock order and the pending-invitations limit', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_SENDS_PER_HOUR: '1000',
        ORG_INVITATIONS_PER_HOUR: '1000',
        ORG_MAX_MEMBERSHIPS_PER_USER: '100',
        ORG_MAX_PENDING_INVITATIONS: '2',
        ORG_INVITATION_TTL_HOURS: '24',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const person = async (label: string): Promise<{ client: WardenClient; userId: string; email: string }> => {
    const client = t.client();
    const email = uniqueEmail(label);
    return { client, userId: (await signUpAndVerify(t, client, email)).user.id, email };
  };
  const outcome = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'ok',
      (e: { info?: { code?: string; extensions?: { reason?: unknown } } }) => [e.info?.code ?? String(e), e.info?.extensions?.reason].filter(Boolean).join(' '),
    );
  const inviteToken = async (owner: WardenClient, organizationId: string, email: string): Promise<string> => {
    const before = t.inbox.mailsTo(email).length;
    await owner.request(InviteMemberDocument, { input: { organizationId, email } });
    await t.inbox.waitForMail(email, before + 1);
    return linkFrom(t.inbox.mailsTo(email)[before]!).searchParams.get('token')!;
  };

  raceTest('setActiveOrganization racing updateMemberRole or removeMember: both answer, never INTERNAL_SERVER_ERROR', async () => {
    const owner = await person('owner');
    const member = await person('member');
    const seen: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: `Race ${round}` } })).createOrganization;
      await member.client.request(AcceptInvitationDocument, { input: { token: await inviteToken(owner.client, org.id, member.email) } });
      await member.client.request(SetActive, { organizationId: null });
      const change =
        round % 2 === 0
          ? owner.client.request(UpdateMemberRoleDocument, { input: { organizationId: org.id, userId: member.userId, role: 'admin' } })
          : owner.client.request(RemoveMemberDocument, { input: { organizationId: org.id, userId: member.userId } });
      const [activate, changed] = await Promise.all([outcome(member.client.request(SetActive, { organizationId: org.id })), outcome(change)]);
      seen.push(`${activate} / ${changed}`);
      expect(changed).toBe('ok');
      // A removal that wins first leaves nothing to activate; otherwise the switch answers.
      expect(round % 2 === 0 ? ['ok'] : ['ok', 'FORBIDDEN NOT_A_MEMBER']).toContain(activate);
    }
    expect(seen.join('\n')).not.toContain('INTERNAL_SERVER_ERROR');
  });

  raceTest('acceptInvitation racing deleteOrganization: the deletion answers, the accept joins first or is INVALID_TOKEN', async () => {
    const owner = await person('owner');
    const invitee = await person('invitee');
    for (let round = 0; round < ROUNDS; round++) {
      const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: `Doomed ${round}` } })).createOrganization;
      const token = await inviteToken(owner.client, org.id, invitee.email);
      const [accepted, deleted] = await Promise.all([
        outcome(invitee.client.request(AcceptInvitationDocument, { input: { token } })),
        outcome(owner.client.request(DeleteOrganizationDocument, { organizationId: org.id })),
      ]);
      expect(deleted).toBe('ok');
      expect(['ok', 'INVALID_TOKEN']).toContain(accepted);
    }
  });

  test('an expired invitation sent again counts against ORG_MAX_PENDING_INVITATIONS (resendInvitation and inviteMember)', async () => {
    const owner = await person('owner');
    const org = (await owner.client.request(CreateOrganizationDocument, { input: { name: 'Capped' } })).createOrganization;
    const old = [uniqueEmail('old'), uniqueEmail('old')];
    const sent = [];
    for (const email of old) sent.push((await owner.client.request(InviteMemberDocument, { input: { organizationId: org.id, email } })).inviteMember);
    // Both expire; two new invitations fill the two places.
    await t.app.dataSource.query(
      `UPDATE ${t.table('invitations')} SET expires_at = now() - interval '1 hour', last_sent_at = now() - interval '25 hours' WHERE id = ANY($1)`,
      [sent.map((s) => s.id)],
    );
    for (let i = 0; i < 2; i++) await owner.client.request(InviteMemberDocument, { input: { organizationId: org.id, email: uniqueEmail('new') } });
    const resent = await owner.client.error(owner.client.request(ResendInvitationDocument, { id: sent[0]!.id }));
    expect(resent).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 'ORG_MAX_PENDING_INVITATIONS' } });
    const reinvited = await owner.client.error(owner.client.request(InviteMemberDocument, { input: { organizationId: org.id, email: old[1]! } }));
    expect(reinvited).toMatchObject({ code: 'FORBIDDEN', extensions: { reason: 'LIMIT_REACHED', limit: 'ORG_MAX_PENDING_INVITATIONS' } });
    const open = await t.app.dataSource.query(
      `SELECT count(*)::int AS n FROM ${t.table('invitations')} WHERE organization_id = $1 AND status = 'PENDING' AND expires_at > now()`,
      [org.id],
    );
    expect(open[0].n).toBe(2);
  });
});
