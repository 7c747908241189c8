import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** A single-use sign-in link token, presented as "<id>.<secret>"; only an HMAC of the secret is kept. */
@Entity({ name: 'magic_link_tokens' })
@Index('magic_link_tokens_user_id_idx', ['userId'])
@Index('magic_link_tokens_expires_at_idx', ['expiresAt'])
@Index('magic_link_tokens_consumed_at_idx', ['consumedAt'], { where: '"consumed_at" IS NOT NULL' })
export class MagicLinkTokenEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column('text')
  secretHash: string;

  /** An origin from REDIRECT_ALLOWLIST, carried through to the frontend. */
  @Column('text', { nullable: true })
  redirectTo: string | null;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz', { nullable: true })
  consumedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
