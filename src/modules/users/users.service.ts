import { EventTypes, eventUser, type EventOutbox, type NewEvent } from '../events/outbox';
import { organizationEvents } from '../organizations/organization-events';
import { randomUUID } from 'node:crypto';
import { In, IsNull, type DataSource, type EntityManager } from 'typeorm';
import { UserEntity } from './user.entity';
import type { UserType } from './user.type';
import type { OrganizationType } from '../organizations/organization.type';
import type { ProfileCache } from './profile-cache';
import { afterCommit } from '../../db/after-commit';
import { RawStatements } from '../../db/raw-statements';
import { tableOf } from '../../db/table-of';
import {
  deleteOrganizationRow,
  earliestOrganizationSql,
  findOrganizations,
  insertOrganizationWithOwner,
  type OrganizationRow,
} from '../organizations/organization-rows';

/** The user row type other modules hold (they never import user.entity.ts: the users module owns the table). */
export type { UserEntity } from './user.entity';

export interface NewUser {
  email?: string | null;
  emailVerified?: boolean;
  phone?: string | null;
  phoneVerified?: boolean;
  name?: string | null;
  organization?: { name: string; industry: string | null; teamSize: string | null; logoUrl: string | null } | null;
}

/** A field `user.updated` names in `changed`. */
export type UserChange = 'name' | 'email' | 'emailVerified' | 'phone' | 'phoneVerified' | 'password';

/** Owns users and organizations. Inputs arrive already normalised by the calling service. */
export class UsersService {
  private raw: RawStatements | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly profiles: ProfileCache | null = null,
    private readonly events: EventOutbox | null = null,
    /** How long a new account's events wait when its code mail may still be refused (create's holdEvents). */
    private readonly holdMs = 0,
  ) {}

  /** Writes events in `em`'s transaction (kernel.events; none when built without an outbox). */
  async emit(em: EntityManager, ...events: NewEvent[]): Promise<void> {
    await this.events?.emit(em, ...events);
  }

  /** `user.updated` with the user as it now is in `em`'s transaction and the fields changed (contract's order). */
  async userUpdated(em: EntityManager, userId: string, changed: readonly UserChange[]): Promise<void> {
    if (!this.events || changed.length === 0) return;
    const user = await em.findOne(UserEntity, { where: { id: userId } });
    if (!user) return;
    const order: readonly UserChange[] = ['name', 'email', 'emailVerified', 'phone', 'phoneVerified', 'password'];
    await this.events.emit(em, {
      type: EventTypes.userUpdated,
      aggregateType: 'user',
      aggregateId: userId,
      data: { user: eventUser(user), changed: order.filter((c) => changed.includes(c)) },
    });
  }

  /**
   * THE hook for every write to a user or an organization (email, phone, name, verified flags, membership,
   * deletion…): call it with the same `em` as the write. After COMMIT (at once when `em` is not in a
   * transaction; never on ROLLBACK) the cached profiles are dropped on this instance and the ids are published
   * to every instance (docs/performance.md). Never throws.
   */
  usersChanged(em: EntityManager, userIds: readonly string[], organizationIds: readonly string[] = []): void {
    const profiles = this.profiles;
    if (!profiles || (userIds.length === 0 && organizationIds.length === 0)) return;
    const changed = { users: [...userIds], organizations: [...organizationIds] };
    afterCommit(em, () => void profiles.changed(changed));
  }

  /** The viewer's profile from memory when it is cached and provably fresh (no I/O); undefined: load it. */
  cachedUser(id: string): UserType | undefined {
    return this.profiles?.user(id);
  }

  cachedOrganization(id: string): OrganizationType | undefined {
    return this.profiles?.organization(id);
  }

  findByEmail(em: EntityManager, email: string): Promise<UserEntity | null> {
    return em.findOne(UserEntity, { where: { email } });
  }

  findByPhone(em: EntityManager, phone: string): Promise<UserEntity | null> {
    return em.findOne(UserEntity, { where: { phone } });
  }

  /**
   * By id, through a named statement (sign-in paths read the user on every verifyOtp). `forShare`: under a share
   * lock in `em`'s transaction (a deletion waits until it commits; see SignInRequest.userLocked).
   */
  findById(em: EntityManager, id: string, options: { forShare?: boolean } = {}): Promise<UserEntity | null> {
    const raw = (this.raw ??= new RawStatements(this.dataSource));
    return options.forShare
      ? raw.findById(em, UserEntity, 'warden_user_by_id_for_share_v1', id, 'share')
      : raw.findById(em, UserEntity, 'warden_user_by_id_v1', id);
  }

  /**
   * Batch loads for DataLoader: one query for many ids, in the order asked. An account pending deletion is null
   * (federation's `_entities` resolves through this: a deleted account's name and dates are not served).
   */
  async loadUsers(ids: readonly string[]): Promise<(UserEntity | null)[]> {
    const stamp = this.profiles?.stamp();
    const rows = await this.dataSource.manager.find(UserEntity, { where: { id: In([...ids]), deletedAt: IsNull() } });
    if (stamp) this.profiles!.fillUsers(rows.map(UsersService.toType), stamp);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async loadOrganizations(ids: readonly string[]): Promise<(OrganizationRow | null)[]> {
    const stamp = this.profiles?.stamp();
    const rows = await findOrganizations(this.dataSource.manager, ids);
    if (stamp) this.profiles!.fillOrganizations(rows.map(UsersService.toOrganizationType), stamp);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * Inserts the user, and the organization with the user as its owner (one membership), in `em`'s transaction.
   * Throws the driver's unique violation when the email or phone is taken.
   */
  async create(em: EntityManager, input: NewUser, options: { holdEvents?: boolean } = {}): Promise<UserEntity> {
    const user = em.create(UserEntity, {
      id: randomUUID(),
      email: input.email ?? null,
      emailVerified: input.emailVerified ?? false,
      phone: input.phone ?? null,
      phoneVerified: input.phoneVerified ?? false,
      name: input.name ?? null,
      organizationId: null,
    });
    await em.insert(UserEntity, user);
    let organizationId: string | null = null;
    let organization: Awaited<ReturnType<typeof insertOrganizationWithOwner>> | null = null;
    if (input.organization) {
      organization = await insertOrganizationWithOwner(em, input.organization, user.id);
      organizationId = organization.id;
      await em.update(UserEntity, { id: user.id }, { organizationId });
    }
    // Nothing can be cached for a new id; published anyway so that the rule "every write publishes" has no exception.
    this.usersChanged(em, [user.id], organizationId ? [organizationId] : []);
    const created = await em.findOneOrFail(UserEntity, { where: { id: user.id } });
    const holdMs = options.holdEvents ? this.holdMs : 0;
    const events: NewEvent[] = [{ type: EventTypes.userCreated, aggregateType: 'user', aggregateId: user.id, data: { user: eventUser(created) }, holdMs }];
    if (organization) {
      events.push(
        { ...organizationEvents.organization(EventTypes.organizationCreated, organization), holdMs },
        { ...organizationEvents.membership(EventTypes.membershipCreated, organization.id, user.id, 'owner'), holdMs },
      );
    }
    await this.emit(em, ...events);
    return created;
  }

  /**
   * After memberships of these users changed (an organization created, left, removed or deleted): users.organization_id
   * is set again to each one's earliest-joined membership (what the deprecated User.organization answers), and the
   * cached profiles are dropped. Same `em` as the change.
   */
  async membershipsChanged(em: EntityManager, userIds: readonly string[], organizationIds: readonly string[] = []): Promise<void> {
    if (userIds.length > 0) {
      await em.query(`UPDATE ${tableOf(em, UserEntity)} u SET organization_id = ${earliestOrganizationSql(em, 'u.id')} WHERE u.id = ANY($1::uuid[])`, [
        [...userIds],
      ]);
    }
    this.usersChanged(em, userIds, organizationIds);
  }

  /**
   * The user who owns this phone, created (phone verified, no password) if there is none yet.
   * Safe under races: the insert skips on conflict and the winner's row is read back.
   */
  async findOrCreateByVerifiedPhone(em: EntityManager, phone: string): Promise<{ user: UserEntity; created: boolean }> {
    const existing = await this.findByPhone(em, phone);
    if (existing) return { user: existing, created: false };
    const id = randomUUID();
    await em.createQueryBuilder().insert().into(UserEntity).values({ id, phone, phoneVerified: true }).orIgnore().execute();
    const user = await em.findOneOrFail(UserEntity, { where: { phone } });
    if (user.id === id) {
      this.usersChanged(em, [id]);
      await this.emit(em, { type: EventTypes.userCreated, aggregateType: 'user', aggregateId: id, data: { user: eventUser(user) } });
    }
    return { user, created: user.id === id };
  }

  /**
   * Share-locks the user's row in `em`'s transaction (FOR SHARE: a deletion waits; lock order: the user first, then
   * what hangs off it). FOR UPDATE, with the row: lockUser (user-rows.ts).
   */
  static async lockForShare(em: EntityManager, userId: string): Promise<void> {
    await em.findOne(UserEntity, { where: { id: userId }, select: { id: true }, lock: { mode: 'pessimistic_read' } });
  }

  /**
   * Deletes an account that never verified its email (a signup whose code could not be mailed), and its organization
   * if it had one; its challenge and password go with it (ON DELETE CASCADE). A verified account is left alone.
   */
  async deleteUnverified(em: EntityManager, userId: string, organizationId: string | null): Promise<void> {
    await em.delete(UserEntity, { id: userId, emailVerified: false });
    if (organizationId) await deleteOrganizationRow(em, organizationId);
    // Its events were held (create's holdEventsMs): they go with it, so the feed never saw this account.
    await this.events?.discardPending(em, 'user', userId);
    if (organizationId) await this.events?.discardPending(em, 'organization', organizationId);
    this.usersChanged(em, [userId], organizationId ? [organizationId] : []);
  }

  async markVerified(em: EntityManager, user: UserEntity, channel: 'EMAIL' | 'SMS'): Promise<UserEntity> {
    if (this.events && !user.emailVerified && !user.phoneVerified) {
      // The code reached the new account: its held signup events (create's holdEvents) go to the feed now.
      await this.events.release(em, 'user', user.id);
      if (user.organizationId) await this.events.release(em, 'organization', user.organizationId);
    }
    if (channel === 'EMAIL' && !user.emailVerified) {
      await em.update(UserEntity, { id: user.id }, { emailVerified: true });
      user.emailVerified = true;
      this.usersChanged(em, [user.id]);
      await this.userUpdated(em, user.id, ['emailVerified']);
    }
    if (channel === 'SMS' && !user.phoneVerified) {
      await em.update(UserEntity, { id: user.id }, { phoneVerified: true });
      user.phoneVerified = true;
      this.usersChanged(em, [user.id]);
      await this.userUpdated(em, user.id, ['phoneVerified']);
    }
    return user;
  }

  static toType(user: UserEntity): UserType {
    return {
      id: user.id,
      email: user.email,
      emailVerified: user.emailVerified,
      phone: user.phone,
      phoneVerified: user.phoneVerified,
      name: user.name,
      createdAt: user.createdAt,
      organizationId: user.organizationId,
    };
  }

  /** A User known only by id (from a verified access token); only id and sessions may be read from it. */
  static idOnly(id: string): UserType {
    return { id, organizationId: null } as UserType;
  }

  static toOrganizationType(org: OrganizationRow): OrganizationType {
    return { id: org.id, name: org.name, slug: org.slug, industry: org.industry, teamSize: org.teamSize, logoUrl: org.logoUrl, createdAt: org.createdAt };
  }
}
