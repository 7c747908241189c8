import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity';
import type { AuthMethod, AuthenticatorAssuranceLevel } from './assurance';

/** A signed-in session: one refresh-token family. */
@Entity({ name: 'sessions' })
@Index('sessions_user_id_idx', ['userId'])
@Index('sessions_expires_at_idx', ['expiresAt'])
@Index('sessions_last_used_at_idx', ['lastUsedAt'])
@Index('sessions_revoked_at_idx', ['revokedAt'], { where: '"revoked_at" IS NOT NULL' })
@Index('sessions_active_organization_idx', ['activeOrganizationId', 'userId'], { where: '"active_organization_id" IS NOT NULL' })
export class SessionEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  userId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz')
  lastUsedAt: Date;

  /** Absolute end of the session. */
  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;

  @Column('text', { nullable: true })
  revokedReason: string | null;

  /** aal1 or aal2: what the session's authentication methods add up to. */
  @Column('text', { default: 'aal1' })
  aal: AuthenticatorAssuranceLevel;

  /** How the user authenticated (RFC 8176 values), e.g. ["pwd","otp"]. */
  @Column('text', { array: true, default: () => "'{}'" })
  amr: AuthMethod[];

  /** Sign-in or the last re-authentication: the auth_time claim, and what @RecentAuth() checks. */
  @Column('timestamptz')
  lastAuthenticatedAt: Date;

  @Column('text', { nullable: true })
  userAgent: string | null;

  @Column('text', { nullable: true })
  ip: string | null;

  /** The active organization (its claims go into access tokens); null: none. FK ON DELETE SET NULL (migration). */
  @Column('uuid', { nullable: true })
  activeOrganizationId: string | null;

  /** An impersonation session (startImpersonation): the admin acting; null for the user's own sessions. */
  @Column('uuid', { nullable: true })
  impersonatorId: string | null;

  /** The admin's session it was started from: ending that one ends this one. */
  @Index('sessions_impersonator_session_idx', { where: '"impersonator_session_id" IS NOT NULL' })
  @Column('uuid', { nullable: true })
  impersonatorSessionId: string | null;
}
