import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A banned user (banUser): every sign-in path answers FORBIDDEN ACCOUNT_BANNED until `bannedUntil` (null: until
 * unbanUser). The foreign key to users (ON DELETE CASCADE) is in the migration; a ban that ended is deleted by
 * retention (admin.retention.ts).
 */
@Entity({ name: 'user_bans' })
@Index('user_bans_until_idx', ['bannedUntil'], { where: '"banned_until" IS NOT NULL' })
export class UserBanEntity {
  @PrimaryColumn('uuid')
  userId: string;

  @Column('timestamptz')
  bannedAt: Date;

  @Column('timestamptz', { nullable: true })
  bannedUntil: Date | null;

  /** The admin's reason (shown to admins, not to the user). */
  @Column('text')
  reason: string;

  /** The admin who banned (no foreign key: the row outlives nothing, but an admin may be erased). */
  @Column('uuid', { nullable: true })
  bannedBy: string | null;
}
