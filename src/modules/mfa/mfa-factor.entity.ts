import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export type MfaFactorTypeValue = 'TOTP';

/**
 * A second factor. TOTP: the shared secret, AES-256-GCM encrypted (see totp-secret.ts), and the last time step
 * accepted (a code is accepted once). Pending (confirmed_at null) until confirmTotpEnrollment; a pending factor
 * expires at expires_at and never counts.
 */
@Entity({ name: 'mfa_factors' })
@Index('mfa_factors_user_id_idx', ['userId'])
export class MfaFactorEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @Column('text')
  type: MfaFactorTypeValue;

  @Column('text', { nullable: true })
  name: string | null;

  /** v1.<base64 iv|tag|ciphertext>; the plain secret is never stored. */
  @Column('text')
  secretCiphertext: string;

  /** The RFC 6238 time step of the last accepted code (bigint: read as a string by pg). */
  @Column('bigint', { nullable: true })
  lastUsedStep: string | null;

  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  confirmedAt: Date | null;

  /** Pending enrollments only. */
  @Column('timestamptz', { nullable: true })
  expiresAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
