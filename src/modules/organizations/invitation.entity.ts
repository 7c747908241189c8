import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type InvitationStatusName = 'PENDING' | 'ACCEPTED' | 'DECLINED' | 'REVOKED' | 'EXPIRED';

/**
 * An invitation of an address to an organization (migrations/1796520000000-OrganizationInvitations.ts). The link's
 * token is "<tokenId>.<secret>": only a keyed hash of the secret is stored; a resend replaces both. EXPIRED is
 * never stored: a PENDING row past expires_at answers EXPIRED. Foreign keys are in the migration.
 */
@Entity({ name: 'invitations' })
@Index('invitations_token_key', ['tokenId'], { unique: true })
@Index('invitations_pending_key', ['organizationId', 'email'], { unique: true, where: `"status" = 'PENDING'` })
@Index('invitations_organization_created_idx', ['organizationId', 'createdAt', 'id'])
@Index('invitations_email_pending_idx', ['email'], { where: `"status" = 'PENDING'` })
@Index('invitations_ended_idx', ['endedAt'], { where: `"ended_at" IS NOT NULL` })
export class InvitationEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid')
  organizationId: string;

  /** Normalised (normalizeEmail). */
  @Column('text')
  email: string;

  /** A role key. */
  @Column('text')
  role: string;

  /** PENDING, ACCEPTED, DECLINED or REVOKED. */
  @Column('text', { default: 'PENDING' })
  status: string;

  @Column('uuid')
  tokenId: string;

  @Column('text')
  secretHash: string;

  @Column('uuid', { nullable: true })
  invitedByUserId: string | null;

  @Column('integer', { default: 1 })
  sends: number;

  @Column('timestamptz')
  lastSentAt: Date;

  @Column('timestamptz')
  expiresAt: Date;

  @Column('timestamptz')
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  acceptedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  declinedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;

  /** When it stopped being PENDING (accepted, declined, revoked): what retention counts from. */
  @Column('timestamptz', { nullable: true })
  endedAt: Date | null;
}
