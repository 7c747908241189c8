import { useState } from 'react';
import { useApolloClient, useMutation, useQuery } from '@apollo/client/react';
import {
  CreateOrganizationDocument,
  InviteMemberDocument,
  MyOrganizationsDocument,
  OrganizationMembersDocument,
  OrganizationRolesDocument,
  PendingOrganizationInvitationsDocument,
  RemoveMemberDocument,
  RevokeInvitationDocument,
  SetActiveOrganizationDocument,
  UpdateMemberRoleDocument,
} from '../generated/graphql';
import { useAuth } from '../auth';
import { describeError } from '../messages';
import { Link } from '../router';
import { ActionForm, Field, formatDate } from '../ui';

/**
 * The organization switcher (top bar): the viewer's organizations, the active one selected. Choosing one calls
 * setActiveOrganization, whose AuthPayload the link keeps (a new access token with org_id, org_role and scope),
 * then every page on screen reads again.
 */
export function OrganizationSwitcher() {
  const client = useApolloClient();
  const { data } = useQuery(MyOrganizationsDocument, { fetchPolicy: 'cache-and-network' });
  const [setActive] = useMutation(SetActiveOrganizationDocument);
  const [error, setError] = useState<string | null>(null);
  const viewer = data?.viewer;
  if (!viewer || viewer.organizations.length === 0) return null;
  const change = async (id: string) => {
    setError(null);
    try {
      await setActive({ variables: { organizationId: id || null } });
      await client.refetchQueries({ include: 'active' });
    } catch (e) {
      setError(describeError(e));
    }
  };
  return (
    <label className="switcher">
      <span className="visually-hidden">Organization</span>
      <select aria-label="Organization" value={viewer.activeOrganization?.id ?? ''} onChange={(e) => void change(e.target.value)}>
        {!viewer.activeOrganization && <option value="">No organization</option>}
        {viewer.organizations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </label>
  );
}

/** A new organization, with the viewer as owner; it becomes the active one. */
function CreateOrganizationForm({ title }: { title: string }) {
  const client = useApolloClient();
  const [create] = useMutation(CreateOrganizationDocument);
  const [setActive] = useMutation(SetActiveOrganizationDocument);
  const [name, setName] = useState('');
  return (
    <ActionForm
      title={title}
      submit="Create organization"
      action={async () => {
        const { data } = await create({ variables: { input: { name } } });
        if (!data) return;
        await setActive({ variables: { organizationId: data.createOrganization.id } });
        setName('');
        await client.refetchQueries({ include: 'active' });
      }}
    >
      <Field label="Organization name" name="organization-name" autoComplete="organization" value={name} onChange={setName} />
    </ActionForm>
  );
}

/**
 * /organization: the active organization's members (role, remove), an invitation form and the pending invitations
 * (revoke). What a control offers follows viewerPermissions; the gateway checks every change again.
 */
export function OrganizationPage() {
  const { state } = useAuth();
  const mine = useQuery(MyOrganizationsDocument, { fetchPolicy: 'cache-and-network', skip: state.status !== 'signedIn' });
  if (state.status !== 'signedIn') {
    return (
      <div className="card">
        <p>
          <Link to="/login">Log in</Link> to see your organization.
        </p>
      </div>
    );
  }
  const active = mine.data?.viewer?.activeOrganization;
  if (mine.loading && !mine.data) return <div className="card">Loading…</div>;
  if (!active) return <CreateOrganizationForm title="Create your organization" />;
  return (
    <>
      <MembersCard key={active.id} organizationId={active.id} viewerId={mine.data!.viewer!.id} />
      <CreateOrganizationForm title="Another organization" />
    </>
  );
}

function MembersCard({ organizationId, viewerId }: { organizationId: string; viewerId: string }) {
  const { data, loading, error, refetch, fetchMore } = useQuery(OrganizationMembersDocument, {
    variables: { id: organizationId },
    fetchPolicy: 'network-only',
  });
  const rolesQuery = useQuery(OrganizationRolesDocument, { variables: { id: organizationId } });
  const org = data?.organization;
  const roles = rolesQuery.data?.organization?.roles ?? [];
  const can = (permission: string) => !!org?.viewerPermissions.includes(permission);
  const invitations = useQuery(PendingOrganizationInvitationsDocument, {
    variables: { id: organizationId },
    fetchPolicy: 'network-only',
    skip: !can('members:invite'),
  });
  const [invite] = useMutation(InviteMemberDocument);
  const [revoke] = useMutation(RevokeInvitationDocument);
  const [updateRole] = useMutation(UpdateMemberRoleDocument);
  const [remove] = useMutation(RemoveMemberDocument);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('member');
  const [status, setStatus] = useState<string | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);

  if (loading && !data) return <div className="card">Loading…</div>;
  if (error || !org)
    return (
      <div className="card error" role="alert">
        {error ? describeError(error) : 'This organization is not available.'}
      </div>
    );

  /** A row action: its error shows above the list, in words. */
  const run = async (work: () => Promise<unknown>, done: string) => {
    setRowError(null);
    setStatus(null);
    try {
      await work();
      await Promise.all([refetch(), can('members:invite') ? invitations.refetch() : null]);
      setStatus(done);
    } catch (e) {
      setRowError(describeError(e));
    }
  };
  const roleName = (key: string) => roles.find((r) => r.key === key)?.name ?? key;
  const pending = invitations.data?.organization?.invitations.nodes ?? [];

  return (
    <>
      <div className="card" data-testid="organization">
        <h2>{org.name}</h2>
        <p className="muted">
          {org.memberCount} {org.memberCount === 1 ? 'member' : 'members'} · your role: {roleName(org.viewerRole ?? '')}
        </p>
        {status && (
          <p role="status" className="notice">
            {status}
          </p>
        )}
        {rowError && (
          <p role="alert" className="error">
            {rowError}
          </p>
        )}
        <h3>Members</h3>
        <ul className="list members">
          {org.members.nodes.map((m) => {
            const self = m.userId === viewerId;
            return (
              <li key={m.id} data-testid="member-row">
                <div>
                  <strong>{m.name ?? m.email}</strong> {self && <span className="badge">you</span>}
                  <div className="muted">
                    <span data-testid="member-email">{m.email}</span> · joined {formatDate(m.joinedAt)}
                  </div>
                </div>
                {can('members:update_role') && !self ? (
                  <select
                    aria-label={`Role of ${m.email ?? m.name}`}
                    value={m.role}
                    onChange={(e) => {
                      const next = e.target.value;
                      void run(
                        () => updateRole({ variables: { input: { organizationId: org.id, userId: m.userId, role: next } } }),
                        `${m.email} is now ${roleName(next)}.`,
                      );
                    }}
                  >
                    {roles.map((r) => (
                      <option key={r.key} value={r.key}>
                        {r.name}
                      </option>
                    ))}
                  </select>
                ) : (
                  <span className="badge" data-testid="member-role">
                    {roleName(m.role)}
                  </span>
                )}
                {can('members:remove') && !self && (
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      if (!window.confirm(`Remove ${m.email ?? m.name} from ${org.name}?`)) return;
                      void run(() => remove({ variables: { input: { organizationId: org.id, userId: m.userId } } }), `${m.email} was removed.`);
                    }}
                  >
                    Remove
                  </button>
                )}
              </li>
            );
          })}
        </ul>
        {org.members.hasNextPage && (
          <button
            type="button"
            className="secondary"
            onClick={() =>
              void fetchMore({
                variables: { after: org.members.endCursor },
                updateQuery: (prev, { fetchMoreResult }) => {
                  if (!prev.organization || !fetchMoreResult.organization) return prev;
                  const next = fetchMoreResult.organization.members;
                  return { organization: { ...prev.organization, members: { ...next, nodes: [...prev.organization.members.nodes, ...next.nodes] } } };
                },
              })
            }
          >
            Show more members
          </button>
        )}
        {can('members:invite') && (
          <>
            <h3>Pending invitations</h3>
            {pending.length === 0 ? (
              <p className="muted" data-testid="no-invitations">
                No invitation is waiting.
              </p>
            ) : (
              <ul className="list invitations">
                {pending.map((i) => (
                  <li key={i.id} data-testid="invitation-row">
                    <div>
                      <strong>{i.email}</strong> as {roleName(i.role)}
                      <div className="muted">expires {formatDate(i.expiresAt)}</div>
                    </div>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => void run(() => revoke({ variables: { id: i.id } }), `The invitation to ${i.email} was revoked.`)}
                    >
                      Revoke
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </div>
      {can('members:invite') && (
        <ActionForm
          title="Invite a colleague"
          submit="Send invitation"
          action={async () => {
            await invite({ variables: { input: { organizationId: org.id, email, role } } });
            setStatus(`Invitation sent to ${email}.`);
            setEmail('');
            await invitations.refetch();
          }}
        >
          <p className="muted">They get a link by email; it works once, for that address.</p>
          <Field label="Email" name="invite-email" type="email" autoComplete="off" value={email} onChange={setEmail} />
          <label>
            Role
            <select name="invite-role" value={role} onChange={(e) => setRole(e.target.value)}>
              {roles
                .filter((r) => r.key !== 'owner' || org.viewerRole === 'owner')
                .map((r) => (
                  <option key={r.key} value={r.key}>
                    {r.name}
                  </option>
                ))}
            </select>
          </label>
        </ActionForm>
      )}
    </>
  );
}
