import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';

/** A WebAuthn signature counter (uint32) kept in a bigint column, read back as a number. */
const counterTransformer = { to: (value: number) => value, from: (value: string | number) => Number(value) };

/** A passkey: a WebAuthn credential registered to a user. Only the public key is kept. */
@Entity({ name: 'passkeys' })
@Index('passkeys_user_id_idx', ['userId'])
export class PasskeyEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  /** base64url, as the browser reports it; unique across every account. */
  @Index('passkeys_credential_id_key', { unique: true })
  @Column('text')
  credentialId: string;

  /** The COSE public key, opaque bytes (ES256, EdDSA or RS256). */
  @Column('bytea')
  publicKey: Buffer;

  @Column('bigint', { transformer: counterTransformer })
  counter: number;

  @Column('text', { array: true, default: () => "'{}'" })
  transports: string[];

  /** 'singleDevice' or 'multiDevice' (a synced passkey). */
  @Column('text')
  deviceType: string;

  @Column('boolean')
  backedUp: boolean;

  @Column('text', { nullable: true })
  aaguid: string | null;

  @Column('text', { nullable: true })
  name: string | null;

  /** Set when an assertion's counter went backwards (a cloned authenticator): the passkey no longer signs in. */
  @Column('timestamptz', { nullable: true })
  flaggedAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;
}
