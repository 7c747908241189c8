import { EventTypes, type EventOutbox } from '../events/outbox';
import { acceptedEvents, organizationEvents } from './organization-events';
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { WardenError } from '../../errors/warden-error';
import { withTransaction } from '../../db/transaction';
import { commitThenSend } from '../../db/commit-then-send';
import { createSecretToken, keyedHash, keyedHashMatches, parseSecretToken } from '../../crypto/secret-token';
import type { Mailer } from '../../mail/mailer';
import type { KvStore } from '../../store/kv-store';
import type { Limits } from '../../config/limits';
import type { AuditService } from '../audit/audit.service';
import { AuditEvents } from '../audit/audit-events';
import type { UsersService } from '../users/users.service';
import { normalizeEmail } from '../users/identifiers';
import type { SessionTokens, Viewer } from '../sessions/session-types';
import type { IdentifierLimits } from '../rate-limits/identifier-limits';
import type { RequestMeta } from '../request-meta';
import { InvitationEntity, type InvitationStatusName } from './invitation.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
import { invitationMail } from './invitation-mail';
import { forbidden, invalidToken, invitationView, limitReached, type InvitationView } from './invitation-view';
import { checkMembershipLimit } from './organization-rows';
import { checkOpenInvitations, invitationStatus, invitationsPage, pendingInvitationsTo, type InvitationPage } from './invitation-rows';
import { isUuid, notAMember, permissionRequired, type Actor, type OrganizationsService } from './organizations.service';
import type { ActiveOrganizations } from './active-organization';

export interface InvitationsDeps {
  dataSource: DataSource;
  organizations: OrganizationsService;
  users: UsersService;
  /** acceptInvitation makes the joined organization active, as setActiveOrganization does. */
  active: ActiveOrganizations;
  audit: AuditService;
  events: EventOutbox;
  mailer: Mailer;
  kv: KvStore;
  identifierLimits: IdentifierLimits;
  hmacKey: Buffer;
  previousHmacKey?: Buffer | null;
  limits: Readonly<Limits>;
  appUrl: string;
  invitationPath: string;
  productName: string;
  now: () => Date;
}

/** Separates this kind of secret's keyed hash from other tokens'. */
const PURPOSE = 'org-invitation';

/** What was written before a mail: the row and the token to mail (never stored, never logged). */
interface Written {
  row: InvitationEntity;
  token: string;
  organizationName: string;
  inviterName: string | null;
}

/**
 * Organization invitations (contract, "Organizations", "Invitations"): a single-use link kept only as a keyed hash,
 * mailed after COMMIT; accepted with one conditional UPDATE (of racing accepts the first wins) by the signed-in
 * viewer whose verified email is the invited one.
 */
export class InvitationsService {
  constructor(private readonly deps: InvitationsDeps) {}

  /** APP_URL + ORG_INVITATION_PATH + ?token=…, from configuration only. */
  linkFor(token: string): string {
    const url = new URL(this.deps.appUrl + this.deps.invitationPath);
    url.searchParams.set('token', token);
    return url.toString();
  }

  /** members:invite and the role assignable; the same answer whether or not the address has an account. */
  async invite(actor: Actor, input: { organizationId: string; email: unknown; role?: unknown }, meta: RequestMeta): Promise<InvitationView> {
    const email = normalizeEmail(input.email);
    const roleKey = input.role ?? 'member';
    // A read before the counters, so that nobody outside the organization spends its budget; repeated under the lock.
    const member = (await this.deps.organizations.membershipsOf(actor.userId, [input.organizationId]))[0] ?? null;
    await this.deps.organizations.require(member, 'members:invite');
    await this.countSend(input.organizationId, email);
    return this.send(meta, async (em) => {
      const { org, caller } = await this.lockAsInviter(em, input.organizationId, actor);
      const role = await this.checkAssignable(em, caller, roleKey);
      const user = await this.deps.users.findByEmail(em, email);
      if (user?.emailVerified && (await em.exists(MembershipEntity, { where: { organizationId: org.id, userId: user.id } }))) {
        throw new WardenError('BAD_USER_INPUT', {
          message: 'This address belongs to a member already.',
          extensions: { field: 'email', reason: 'ALREADY_MEMBER' },
        });
      }
      const pending = await em.findOne(InvitationEntity, { where: { organizationId: org.id, email, status: 'PENDING' }, lock: { mode: 'pessimistic_write' } });
      if (pending) return this.renew(em, org, caller, pending, role, meta);
      await checkOpenInvitations(em, org.id, this.deps.now(), this.deps.limits.orgMaxPendingInvitations);
      const now = this.deps.now();
      const token = createSecretToken();
      const row: InvitationEntity = {
        id: randomUUID(),
        organizationId: org.id,
        email,
        role,
        status: 'PENDING',
        tokenId: token.id,
        secretHash: keyedHash(this.deps.hmacKey, PURPOSE, token.secret),
        invitedByUserId: actor.userId,
        sends: 1,
        lastSentAt: now,
        expiresAt: this.expiry(now),
        createdAt: now,
        acceptedAt: null,
        declinedAt: null,
        revokedAt: null,
        endedAt: null,
      };
      await em.insert(InvitationEntity, row);
      await this.audit(em, AuditEvents.invitationSent, actor.userId, meta, row, { role, sends: 1 });
      await this.deps.events.emit(em, organizationEvents.invitation(EventTypes.invitationCreated, row));
      return this.written(em, row, token.token, org, caller.userId);
    });
  }

  /** PENDING or EXPIRED only: a new token and expiry (the previous link stops working); cooldown and max sends apply. */
  async resend(actor: Actor, id: string, meta: RequestMeta): Promise<InvitationView> {
    const found = isUuid(id) ? await this.deps.dataSource.manager.findOne(InvitationEntity, { where: { id } }) : null;
    if (!found) throw notAMember();
    const member = (await this.deps.organizations.membershipsOf(actor.userId, [found.organizationId]))[0] ?? null;
    await this.deps.organizations.require(member, 'members:invite');
    await this.countSend(found.organizationId, found.email);
    return this.send(meta, async (em) => {
      const { org, caller } = await this.lockAsInviter(em, found.organizationId, actor);
      const row = await em.findOne(InvitationEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!row || row.status !== 'PENDING') throw WardenError.badInput('Only a PENDING or EXPIRED invitation can be sent again.', 'id');
      return this.renew(em, org, caller, row, row.role, meta);
    });
  }

  /** PENDING or EXPIRED only: the link stops working. */
  async revoke(actor: Actor, id: string, meta: RequestMeta): Promise<InvitationView> {
    const found = isUuid(id) ? await this.deps.dataSource.manager.findOne(InvitationEntity, { where: { id } }) : null;
    if (!found) throw notAMember();
    return withTransaction(this.deps.dataSource, async (em) => {
      const { org } = await this.lockAsInviter(em, found.organizationId, actor);
      const now = this.deps.now();
      const done = await em
        .createQueryBuilder()
        .update(InvitationEntity)
        .set({ status: 'REVOKED', revokedAt: now, endedAt: now })
        .where('id = :id AND status = :status', { id, status: 'PENDING' })
        .execute();
      if (done.affected !== 1) throw WardenError.badInput('Only a PENDING or EXPIRED invitation can be revoked.', 'id');
      const row = await em.findOneOrFail(InvitationEntity, { where: { id } });
      await this.audit(em, AuditEvents.invitationRevoked, actor.userId, meta, row, {});
      await this.deps.events.emit(em, organizationEvents.invitation(EventTypes.invitationRevoked, row));
      return this.view(em, row, org.name);
    });
  }

  /** No sign-in needed; does not consume the token. INVALID_TOKEN unless PENDING and unexpired. */
  async preview(rawToken: string): Promise<InvitationView> {
    const em = this.deps.dataSource.manager;
    const row = await this.byToken(em, rawToken);
    if (!row || invitationStatus(row, this.deps.now()) !== 'PENDING') throw invalidToken();
    return this.view(em, row);
  }

  /**
   * Consumes the invitation (one conditional UPDATE: of racing accepts the first wins) and adds the membership with
   * the invited role (an existing member keeps theirs). In the same transaction makes the organization active on
   * this session and the user's last active one (ActiveOrganizations.activateIn, as setActiveOrganization does), and
   * answers the same session's tokens, rotated, with its org_id, org_role and scope.
   */
  async accept(viewer: Viewer, ref: { token?: string | null; invitationId?: string | null }, meta: RequestMeta): Promise<SessionTokens> {
    const found = await this.findForViewer(viewer, ref, meta);
    const outcome = await withTransaction(this.deps.dataSource, async (em) => {
      // The organization row first, as its mutations lock it (else a deadlock with deleteOrganization); gone: so is this.
      const org = await em.findOne(OrganizationEntity, { where: { id: found.organizationId }, select: { id: true }, lock: { mode: 'for_key_share' } });
      if (!org) return null;
      if (!(await this.end(em, found, 'ACCEPTED'))) return null;
      const existing = await em.findOne(MembershipEntity, { where: { organizationId: found.organizationId, userId: viewer.userId } });
      if (!existing) {
        await checkMembershipLimit(em, viewer.userId, this.deps.limits.orgMaxMembershipsPerUser);
        await em.insert(MembershipEntity, {
          id: randomUUID(),
          organizationId: found.organizationId,
          userId: viewer.userId,
          role: found.role,
          joinedAt: this.deps.now(),
        });
        await this.deps.users.membershipsChanged(em, [viewer.userId], [found.organizationId]);
      }
      await this.deps.events.emit(em, ...acceptedEvents(found, viewer.userId, !existing));
      await this.audit(em, AuditEvents.invitationAccepted, viewer.userId, meta, found, {
        role: existing ? existing.role : found.role,
        alreadyMember: !!existing,
      });
      return this.deps.active.activateIn(em, viewer, found.organizationId);
    });
    if (!outcome) return this.refuse(viewer, found.id, 'used_or_ended', meta);
    return outcome;
  }

  /** Ends it as DECLINED; the same checks as accept. */
  async decline(viewer: Viewer, ref: { token?: string | null; invitationId?: string | null }, meta: RequestMeta): Promise<void> {
    const found = await this.findForViewer(viewer, ref, meta);
    const ended = await withTransaction(this.deps.dataSource, async (em) => {
      if (!(await this.end(em, found, 'DECLINED'))) return false;
      await this.audit(em, AuditEvents.invitationDeclined, viewer.userId, meta, found, {});
      await this.deps.events.emit(em, organizationEvents.invitation(EventTypes.invitationDeclined, found));
      return true;
    });
    if (!ended) await this.refuse(viewer, found.id, 'used_or_ended', meta);
  }

  /** members:invite, checked by the resolver. */
  async list(
    organizationId: string,
    status: InvitationStatusName | null,
    first: number,
    after: string | null | undefined,
  ): Promise<{ page: InvitationPage; views: InvitationView[] }> {
    const em = this.deps.dataSource.manager;
    const page = await invitationsPage(em, organizationId, status, first, after, this.deps.now());
    const org = await em.findOne(OrganizationEntity, { where: { id: organizationId } });
    return { page, views: await Promise.all(page.nodes.map((row) => this.view(em, row, org?.name))) };
  }

  /** Unexpired PENDING invitations to the viewer's verified email; none while it is unverified. */
  async pendingFor(userId: string): Promise<InvitationView[]> {
    const em = this.deps.dataSource.manager;
    const user = await this.deps.users.findById(em, userId);
    if (!user?.email || !user.emailVerified) return [];
    const rows = await pendingInvitationsTo(em, user.email, this.deps.now());
    return Promise.all(rows.map((row) => this.view(em, row)));
  }

  // ----- helpers -----

  private expiry(now: Date): Date {
    return new Date(now.getTime() + this.deps.limits.orgInvitationTtlHours * 3600_000);
  }

  /** RATE_LIMIT_SENDS_PER_HOUR per address, ORG_INVITATIONS_PER_HOUR per organization (before any transaction). */
  private async countSend(organizationId: string, email: string): Promise<void> {
    await this.deps.identifierLimits.countSend(email);
    const { value, ttlSeconds } = await this.deps.kv.increment(`org-invitations:{${organizationId}}`, 3600);
    if (value > this.deps.limits.orgInvitationsPerHour) throw WardenError.rateLimited(ttlSeconds);
  }

  /** Writes, commits, mails; a refused mail revokes what was written (no usable invitation) and is SERVICE_UNAVAILABLE. */
  private async send(meta: RequestMeta, write: (em: EntityManager) => Promise<Written>): Promise<InvitationView> {
    const written = await commitThenSend(this.deps.dataSource, {
      write,
      send: (w) =>
        this.deps.mailer.sendRendered(
          w.row.email,
          invitationMail(this.deps.productName, w.organizationName, w.inviterName, this.linkFor(w.token), this.deps.limits.orgInvitationTtlHours),
        ),
      spend: async (em, w) => {
        const now = this.deps.now();
        await em.update(InvitationEntity, { id: w.row.id, status: 'PENDING' }, { status: 'REVOKED', revokedAt: now, endedAt: now });
        await this.deps.events.emit(em, organizationEvents.invitation(EventTypes.invitationRevoked, w.row));
        await this.deps.audit.recordAlone({
          event: AuditEvents.invitationFailed,
          outcome: 'failure',
          userId: w.row.invitedByUserId,
          meta,
          data: { organizationId: w.row.organizationId, invitationId: w.row.id, reason: 'mail_refused' },
        });
      },
    });
    return this.view(this.deps.dataSource.manager, written.row, written.organizationName);
  }

  /** A PENDING (or expired PENDING) row sent again: cooldown, max sends, a new token and expiry, maybe a new role. */
  private async renew(
    em: EntityManager,
    org: OrganizationEntity,
    caller: MembershipEntity,
    row: InvitationEntity,
    role: string,
    meta: RequestMeta,
  ): Promise<Written> {
    const now = this.deps.now();
    const availableAt = row.lastSentAt.getTime() + this.deps.limits.orgInvitationResendCooldownSeconds * 1000;
    if (availableAt > now.getTime()) throw WardenError.rateLimited((availableAt - now.getTime()) / 1000);
    if (row.sends >= this.deps.limits.orgInvitationMaxSends) throw limitReached('ORG_INVITATION_MAX_SENDS');
    if (row.expiresAt.getTime() <= now.getTime()) await checkOpenInvitations(em, org.id, now, this.deps.limits.orgMaxPendingInvitations); // opens anew
    await this.checkAssignable(em, caller, role);
    const token = createSecretToken();
    const patch = {
      role,
      tokenId: token.id,
      secretHash: keyedHash(this.deps.hmacKey, PURPOSE, token.secret),
      sends: row.sends + 1,
      lastSentAt: now,
      expiresAt: this.expiry(now),
      invitedByUserId: caller.userId,
    };
    await em.update(InvitationEntity, { id: row.id }, patch);
    const updated = { ...row, ...patch };
    await this.audit(em, AuditEvents.invitationSent, caller.userId, meta, updated, { role, sends: updated.sends, resent: true });
    return this.written(em, updated, token.token, org, caller.userId);
  }

  private async written(em: EntityManager, row: InvitationEntity, token: string, org: OrganizationEntity, inviterId: string): Promise<Written> {
    const inviter = await this.deps.users.findById(em, inviterId);
    return { row, token, organizationName: org.name, inviterName: inviter?.name ?? null };
  }

  /** The organization locked (FOR UPDATE) and the caller holding members:invite; NOT_A_MEMBER for an unknown id. */
  private async lockAsInviter(em: EntityManager, organizationId: string, actor: Actor): Promise<{ org: OrganizationEntity; caller: MembershipEntity }> {
    if (!isUuid(organizationId)) throw notAMember();
    const org = await em.findOne(OrganizationEntity, { where: { id: organizationId }, lock: { mode: 'pessimistic_write' } });
    if (!org) throw notAMember();
    const member = await em.findOne(MembershipEntity, { where: { organizationId, userId: actor.userId } });
    const caller = await this.deps.organizations.require(member && this.deps.organizations.asActor(member, actor), 'members:invite', em);
    return { org, caller };
  }

  /** A known role whose every permission the caller holds (PERMISSION_REQUIRED: the first missing); owner only by an owner. */
  private async checkAssignable(em: EntityManager, caller: MembershipEntity, roleKey: unknown): Promise<string> {
    const role = typeof roleKey === 'string' ? (await this.deps.organizations.roles(caller.organizationId, em)).find((r) => r.key === roleKey) : undefined;
    if (!role) throw WardenError.badInput('Unknown role: see Organization.roles.', 'role');
    if (role.key === 'owner' && !this.deps.organizations.actsAsOwner(caller)) throw forbidden('OWNER_REQUIRED', 'Only an owner can invite an owner.');
    const held = new Set(await this.deps.organizations.permissionsOf(caller, em));
    const missing = [...role.permissions].sort().find((p) => !held.has(p));
    if (missing) throw permissionRequired(missing);
    return role.key;
  }

  private async byToken(em: EntityManager, rawToken: unknown): Promise<InvitationEntity | null> {
    const parsed = parseSecretToken(typeof rawToken === 'string' ? rawToken : null);
    if (!parsed) return null;
    const row = await em.findOne(InvitationEntity, { where: { tokenId: parsed.id } });
    if (!row || !keyedHashMatches(row.secretHash, this.deps.hmacKey, this.deps.previousHmacKey, PURPOSE, parsed.secret)) return null;
    return row;
  }

  /**
   * Exactly one of token and invitationId. INVALID_TOKEN for an unknown, ended or expired one, or an id not
   * addressed to the viewer; then EMAIL_NOT_VERIFIED, INVITATION_EMAIL_MISMATCH (the invitation stays usable).
   */
  private async findForViewer(viewer: Viewer, ref: { token?: string | null; invitationId?: string | null }, meta: RequestMeta): Promise<InvitationEntity> {
    const hasToken = typeof ref.token === 'string' && ref.token !== '';
    const hasId = typeof ref.invitationId === 'string' && ref.invitationId !== '';
    if (hasToken === hasId) throw WardenError.badInput('Give exactly one of token and invitationId.', hasToken ? 'invitationId' : 'token');
    const em = this.deps.dataSource.manager;
    const user = await this.deps.users.findById(em, viewer.userId);
    if (!user) throw new WardenError('UNAUTHENTICATED');
    let row: InvitationEntity | null;
    if (hasToken) row = await this.byToken(em, ref.token);
    else {
      row = isUuid(ref.invitationId) ? await em.findOne(InvitationEntity, { where: { id: ref.invitationId } }) : null;
      if (row && row.email !== user.email) row = null;
    }
    if (!row || invitationStatus(row, this.deps.now()) !== 'PENDING') return this.refuse(viewer, row?.id ?? null, 'unknown_or_ended', meta);
    if (!user.emailVerified) throw forbidden('EMAIL_NOT_VERIFIED', 'Verify your email address first.');
    if (user.email !== row.email) throw forbidden('INVITATION_EMAIL_MISMATCH', 'This invitation was sent to another address.');
    return row;
  }

  /** The single-use step: PENDING and unexpired (and, for a token, still this token) to `status`, or nothing. */
  private async end(em: EntityManager, row: InvitationEntity, status: 'ACCEPTED' | 'DECLINED'): Promise<boolean> {
    const now = this.deps.now();
    const stamp = status === 'ACCEPTED' ? { acceptedAt: now } : { declinedAt: now };
    const done = await em
      .createQueryBuilder()
      .update(InvitationEntity)
      .set({ status, endedAt: now, ...stamp })
      .where('id = :id AND token_id = :tokenId AND status = :pending AND expires_at > :now', { id: row.id, tokenId: row.tokenId, pending: 'PENDING', now })
      .execute();
    return done.affected === 1;
  }

  private async refuse(viewer: Viewer, invitationId: string | null, reason: string, meta: RequestMeta): Promise<never> {
    await this.deps.audit.recordAlone({ event: AuditEvents.invitationFailed, outcome: 'failure', userId: viewer.userId, meta, data: { invitationId, reason } });
    throw invalidToken();
  }

  private async audit(
    em: EntityManager,
    event: (typeof AuditEvents)[keyof typeof AuditEvents],
    userId: string,
    meta: RequestMeta,
    row: InvitationEntity,
    data: Record<string, unknown>,
  ): Promise<void> {
    await this.deps.audit.record(em, { event, userId, meta, data: { organizationId: row.organizationId, invitationId: row.id, ...data } });
  }

  private view(em: EntityManager, row: InvitationEntity, organizationName?: string): Promise<InvitationView> {
    return invitationView(em, this.deps.users, row, {
      now: this.deps.now(),
      cooldownSeconds: this.deps.limits.orgInvitationResendCooldownSeconds,
      organizationName,
    });
  }
}
