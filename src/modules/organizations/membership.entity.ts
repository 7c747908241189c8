import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A user's membership of an organization, with its role key (owner, admin, member for now). Foreign keys (to
 * organizations and users, ON DELETE CASCADE) are in the migration; no TypeORM relation is declared, so the
 * organizations module never imports the users module's entity.
 */
@Entity({ name: 'memberships' })
@Index('memberships_organization_user_key', ['organizationId', 'userId'], { unique: true })
@Index('memberships_user_joined_idx', ['userId', 'joinedAt', 'id'])
@Index('memberships_organization_joined_idx', ['organizationId', 'joinedAt', 'id'])
@Index('memberships_owners_idx', ['organizationId'], { where: `"role" = 'owner'` })
export class MembershipEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  organizationId: string;

  @Column('uuid')
  userId: string;

  /** A role key: owner, admin, member, or one of the organization's custom roles (organization_roles). */
  @Column('text')
  role: string;

  @Column('timestamptz', { default: () => 'now()' })
  joinedAt: Date;
}
