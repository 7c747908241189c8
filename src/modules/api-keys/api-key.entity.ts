import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An API key (contract, "API keys"): owned by an organization (organizationId) or, personal, by its creator.
 * Only the HMAC of the whole key is kept (secretHash); prefix is the public part (wdn_ + 12 base62), unique,
 * the one index a lookup reads. Foreign keys (ON DELETE CASCADE to organizations and users) are in the migration.
 */
@Index('IDX_api_keys_organization_id', ['organizationId'])
@Index('IDX_api_keys_created_by_user_id', ['createdByUserId'])
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('UQ_api_keys_prefix', { unique: true })
  @Column('text')
  prefix: string;

  @Column('text')
  secretHash: string;

  @Column('text')
  name: string;

  @Column('uuid', { nullable: true })
  organizationId: string | null;

  @Column('uuid')
  createdByUserId: string;

  @Column('text', { array: true })
  scopes: string[];

  @Column('text', { array: true })
  allowedOperations: string[];

  @Column('int')
  rateLimitPerMinute: number;

  @Column('uuid', { nullable: true })
  rotatedFromId: string | null;

  @Column('timestamptz', { default: () => 'now()' })
  createdAt: Date;

  @Column('timestamptz', { nullable: true })
  lastUsedAt: Date | null;

  @Column('timestamptz', { nullable: true })
  expiresAt: Date | null;

  @Column('timestamptz', { nullable: true })
  revokedAt: Date | null;
}
