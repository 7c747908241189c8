import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { SessionEntity } from './session.entity';

/** One refresh token of a session's family. Presented as "<id>.<secret>"; only an HMAC of the secret is kept. */
@Entity({ name: 'refresh_tokens' })
@Index('refresh_tokens_session_id_idx', ['sessionId'])
@Index('refresh_tokens_rotated_at_idx', ['rotatedAt'], { where: '"rotated_at" IS NOT NULL' })
export class RefreshTokenEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  sessionId: string;

  @ManyToOne(() => SessionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'session_id' })
  session?: SessionEntity;

  @Column('text')
  secretHash: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  /** Set when this token was exchanged for a successor. */
  @Column('timestamptz', { nullable: true })
  rotatedAt: Date | null;
}
