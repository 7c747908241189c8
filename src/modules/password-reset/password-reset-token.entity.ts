import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** A single-use reset-link token, paired with the PASSWORD_RESET code challenge sent in the same mail. */
@Entity({ name: 'password_reset_tokens' })
@Index('password_reset_tokens_user_id_idx', ['userId'])
@Index('password_reset_tokens_expires_at_idx', ['expiresAt'])
@Index('password_reset_tokens_consumed_at_idx', ['consumedAt'], { where: '"consumed_at" IS NOT NULL' })
export class PasswordResetTokenEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** The code challenge from the same mail: using either one uses both. */
  @Column('uuid', { nullable: true })
  challengeId: string | null;

  @Column('text')
  secretHash: string;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz', { nullable: true })
  consumedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
