import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** A provider account linked to a user: one (provider, subject) belongs to one user. */
@Entity({ name: 'oauth_identities' })
@Index('oauth_identities_provider_subject_key', ['provider', 'subject'], { unique: true })
export class IdentityEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Index('oauth_identities_user_id_idx')
  @Column('uuid')
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** The provider id from configuration (google, github, or a generic id). */
  @Column('text')
  provider: string;

  /** The provider's stable subject (OIDC sub, GitHub numeric user id), never a login name or an email. */
  @Column('text')
  subject: string;

  /** The email the provider reported at the last sign-in (lower-cased), if any. */
  @Column('text', { nullable: true })
  email: string | null;

  @Column('boolean', { default: false })
  emailVerified: boolean;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  lastSignInAt: Date | null;
}
