import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/**
 * A device and network an account signed in from: keyed hash of (user agent family, IP /24 or /48), so the
 * table holds no IP address. A sign-in whose fingerprint is new mails the "new sign-in" notice.
 */
@Entity({ name: 'known_devices' })
@Index('known_devices_last_seen_at_idx', ['lastSeenAt'])
export class KnownDeviceEntity {
  @PrimaryColumn('uuid', { primaryKeyConstraintName: 'PK_known_devices' })
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_known_devices_user' })
  user?: UserEntity;

  @PrimaryColumn('text', { primaryKeyConstraintName: 'PK_known_devices' })
  fingerprint: string;

  @Column('timestamptz')
  firstSeenAt: Date;

  @Column('timestamptz')
  lastSeenAt: Date;
}
