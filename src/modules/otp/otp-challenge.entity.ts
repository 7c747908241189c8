import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import type { OtpPurposeName } from '../declarations';

export type OtpChannelValue = 'EMAIL' | 'SMS' | 'TOTP';
/** The column's values: the OtpPurpose union itself (declared once, by the capabilities' `codePurposes`). */
export type OtpPurposeValue = OtpPurposeName;

/** A one-time code sent to an email or phone. The code is stored only as an HMAC bound to the challenge id. */
@Entity({ name: 'otp_challenges' })
@Index('otp_challenges_user_id_idx', ['userId'])
@Index('otp_challenges_expires_at_idx', ['expiresAt'])
@Index('otp_challenges_consumed_at_idx', ['consumedAt'], { where: '"consumed_at" IS NOT NULL' })
export class OtpChallengeEntity {
  @PrimaryColumn('uuid')
  id: string;

  /** null for a decoy (unknown account) or for a phone that has no account yet. */
  @Column('uuid', { nullable: true })
  userId: string | null;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE', nullable: true })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity | null;

  @Column('text')
  channel: OtpChannelValue;

  @Column('text')
  purpose: OtpPurposeValue;

  /** Normalised email or E.164 phone the code went to. */
  @Column('text')
  destination: string;

  /** HMAC of the current code; null for a decoy, which no code can satisfy. */
  @Column('text', { nullable: true })
  codeHash: string | null;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz', { nullable: true })
  consumedAt: Date | null;

  @Column('integer', { default: 1 })
  sendCount: number;

  @Column('timestamptz')
  lastSentAt: Date;

  /**
   * What the user already proved when this challenge was opened (amr), e.g. ['pwd'] for the LOGIN code after a
   * password, or the first factor of an MFA challenge: the finished session's amr starts with it.
   */
  @Column('text', { array: true, nullable: true })
  firstFactorAmr: string[] | null;

  /** REAUTHENTICATION: the session that re-authenticates. */
  @Column('uuid', { nullable: true })
  sessionId: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
