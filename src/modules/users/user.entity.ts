import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { OrganizationEntity } from '../organizations/organization.entity';

@Entity({ name: 'users' })
@Index('users_unverified_created_at_idx', ['createdAt'], { where: '"email_verified" = false AND "phone_verified" = false' })
export class UserEntity {
  @PrimaryColumn('uuid')
  id: string;

  /** Lower-cased, NFC-normalised. */
  @Index('users_email_key', { unique: true })
  @Column('text', { nullable: true })
  email: string | null;

  @Column('boolean', { default: false })
  emailVerified: boolean;

  /** E.164. */
  @Index('users_phone_key', { unique: true })
  @Column('text', { nullable: true })
  phone: string | null;

  @Column('boolean', { default: false })
  phoneVerified: boolean;

  @Column('text', { nullable: true })
  name: string | null;

  @Column('uuid', { nullable: true })
  organizationId: string | null;

  @ManyToOne(() => OrganizationEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'organization_id' })
  organization?: OrganizationEntity | null;

  /** Set by deleteAccount: the account signs in by no path until recovered (account module). */
  @Column('timestamptz', { nullable: true })
  deletedAt: Date | null;

  /** When a deleted account is erased by the maintenance runner, unless recovered before. */
  @Index('users_erase_at_idx', { where: '"erase_at" IS NOT NULL' })
  @Column('timestamptz', { nullable: true })
  eraseAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
