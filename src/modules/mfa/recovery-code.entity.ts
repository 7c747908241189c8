import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One recovery code, stored only as an HMAC bound to its user; used_at set by one conditional UPDATE. */
@Entity({ name: 'recovery_codes' })
@Index('recovery_codes_user_id_code_hash_idx', ['userId', 'codeHash'], { unique: true })
export class RecoveryCodeEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @Column('text')
  codeHash: string;

  @Column('timestamptz', { nullable: true })
  usedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
