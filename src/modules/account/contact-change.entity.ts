import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

export type ContactKind = 'EMAIL' | 'PHONE';

/**
 * A requested change of email or phone: pending until its challenge is verified (confirmedAt), and for an
 * email change the single-use undo link mailed to the old address (undoSecretHash, keyed hash of the
 * `<id>.<secret>` token whose id is this row's id).
 */
@Entity({ name: 'contact_changes' })
@Index('contact_changes_user_id_idx', ['userId'])
@Index('contact_changes_challenge_id_idx', ['challengeId'])
@Index('contact_changes_created_at_idx', ['createdAt'])
export class ContactChangeEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_contact_changes' })
  id: string;

  @Column('uuid')
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_contact_changes_user' })
  user?: UserEntity;

  /** The session that asked: it gets the fresh tokens when the change is confirmed. */
  @Column('uuid', { nullable: true })
  sessionId: string | null;

  @Column('text')
  kind: ContactKind;

  @Column('text', { nullable: true })
  oldValue: string | null;

  @Column('boolean', { default: false })
  oldVerified: boolean;

  @Column('text')
  newValue: string;

  @Column('uuid', { nullable: true })
  challengeId: string | null;

  @Column('text', { nullable: true })
  undoSecretHash: string | null;

  @Column('timestamptz', { nullable: true })
  undoExpiresAt: Date | null;

  @Column('timestamptz', { nullable: true })
  confirmedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  undoneAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
