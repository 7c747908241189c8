import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A webhook endpoint (contract, "Events and webhooks"): an organization's (organizationId), or global (null, admins;
 * it gets every event). `secret` is sealed (AES-256-GCM, webhook-secret-box.ts), never stored in clear; during a
 * rotation's grace `previousSecret` still signs until `previousSecretUntil`. `failingSince`: the first failed attempt
 * since the last success (the clock of WEBHOOK_DISABLE_AFTER_DAYS). The foreign key (ON DELETE CASCADE to
 * organizations) is in the migration.
 */
@Index('IDX_webhook_endpoints_organization_id', ['organizationId'])
@Entity({ name: 'webhook_endpoints' })
export class WebhookEndpointEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { nullable: true })
  organizationId: string | null;

  @Column('text')
  url: string;

  @Column('text', { nullable: true })
  description: string | null;

  /** [] means every type. */
  @Column('text', { array: true })
  eventTypes: string[];

  @Column('boolean')
  enabled: boolean;

  /** FAILING or MANUAL; null while enabled. */
  @Column('text', { nullable: true })
  disabledReason: string | null;

  @Column('text')
  secret: string;

  @Column('text', { nullable: true })
  previousSecret: string | null;

  @Column('timestamptz', { nullable: true })
  previousSecretUntil: Date | null;

  @Column('timestamptz', { nullable: true })
  failingSince: Date | null;

  @Column('timestamptz', { default: () => 'now()' })
  createdAt: Date;
}
